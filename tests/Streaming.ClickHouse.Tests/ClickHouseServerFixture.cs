using Microsoft.Extensions.Options;
using Streaming.LocalServers;
using Streaming.Metrics;

namespace Streaming.ClickHouse.Tests;

/// <summary>One real ClickHouse server for the tests of this project; a database of its own per test class or test.</summary>
public sealed class ClickHouseServerFixture : IAsyncLifetime
{
    // ClickHouseClient configures its HttpClient (base address, timeout), so each client gets its own.
    private readonly List<HttpClient> https = [];
    private readonly List<string> databases = [];
    private LocalClickHouseServer? server;

    public ClickHouseClient Client { get; private set; } = null!;

    /// <summary>The native port for clickhouse-client (null when CLICKHOUSE_URL points at another server).</summary>
    public int? TcpPort => server?.TcpPort;

    public async Task InitializeAsync()
    {
        server = await LocalClickHouseServer.StartAsync();
        Client = await CreateDatabaseAsync();
    }

    /// <summary>A client for a new, empty database, dropped when the fixture is disposed.</summary>
    public async Task<ClickHouseClient> CreateDatabaseAsync()
    {
        var database = "t_" + Guid.NewGuid().ToString("N")[..10];
        var http = new HttpClient();
        lock (databases)
        {
            https.Add(http);
            databases.Add(database);
        }

        var client = new ClickHouseClient(http, Options.Create(new ClickHouseOptions { Url = server!.Url, Database = database }));
        await client.ExecuteAsync("CREATE DATABASE " + Sql.Identifier(database), useDatabase: false);

        return client;
    }

    /// <summary>A new database with the fleet's schema.</summary>
    public async Task<ClickHouseClient> CreateFleetDatabaseAsync()
    {
        var client = await CreateDatabaseAsync();
        await new SchemaMigrator(client).ApplyAsync(FleetSchema.Migrations);
        return client;
    }

    public async Task DisposeAsync()
    {
        foreach (var database in databases)
        {
            await Client.ExecuteAsync("DROP DATABASE IF EXISTS " + Sql.Identifier(database), useDatabase: false);
        }

        foreach (var http in https)
        {
            http.Dispose();
        }

        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}

/// <summary>All test classes share one server: starting clickhouse-server costs seconds on these machines.</summary>
[CollectionDefinition(Name)]
public sealed class ClickHouseCollection : ICollectionFixture<ClickHouseServerFixture>
{
    public const string Name = "clickhouse";
}
