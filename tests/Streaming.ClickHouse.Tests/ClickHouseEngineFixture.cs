using Microsoft.Extensions.Options;
using Streaming.Metrics;

namespace Streaming.ClickHouse.Tests;

/// <summary>
/// A ClickHouse the tests of this project run against through the fleet's own <see cref="ClickHouseClient"/>: Debian's
/// 18.16 server (<see cref="ClickHouseServerFixture"/>) or current ClickHouse in-process (<see cref="Chdb.ChdbFixture"/>).
/// Test classes are written once against this type and run on each; both must give the same answers.
/// </summary>
public abstract class ClickHouseEngineFixture : IAsyncLifetime
{
    // ClickHouseClient configures its HttpClient (base address, timeout), so each client gets its own.
    private readonly List<HttpClient> https = [];
    private readonly List<string> databases = [];

    public ClickHouseClient Client { get; private set; } = null!;

    /// <summary>What ran the SQL, for messages: e.g. "ClickHouse 18.16.1 server" or "chDB 26.7.3 (ClickHouse 26.7.2.1)".</summary>
    public string Description { get; private set; } = "";

    public async Task InitializeAsync()
    {
        await StartAsync();
        Client = await CreateDatabaseAsync();
        Description = Describe(await Client.ScalarAsync("SELECT version()") ?? "?");
        CollapsesDuplicatesOnInsert = await Client.ScalarAsync(
            "SELECT count() FROM system.settings WHERE name = 'optimize_on_insert' AND value = '1'") == "1";
    }

    /// <summary>
    /// Whether a ReplacingMergeTree insert keeps only the highest version among its own rows with the same sorting key
    /// (the setting optimize_on_insert, on by default in current releases; 18.16 has no such setting and keeps every row
    /// until a merge). The views answer the same either way; only counts of stored rows before a merge differ.
    /// </summary>
    public bool CollapsesDuplicatesOnInsert { get; private set; }

    /// <summary>A client for a new, empty database, dropped when the fixture is disposed.</summary>
    public async Task<ClickHouseClient> CreateDatabaseAsync()
    {
        var database = "t_" + Guid.NewGuid().ToString("N")[..10];
        var http = NewHttpClient();
        lock (databases)
        {
            https.Add(http);
            databases.Add(database);
        }

        var client = new ClickHouseClient(http, Options.Create(new ClickHouseOptions { Url = Url, Database = database }));
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

    /// <summary>
    /// Runs <paramref name="sql"/> exactly as written (as a BI user would paste it, trailing semicolon and all) in the
    /// client's database; returns the TabSeparated lines of its answer.
    /// </summary>
    public abstract Task<List<string>> RunAsWrittenAsync(ClickHouseClient client, string sql);

    public async Task DisposeAsync()
    {
        if (Client is not null)
        {
            foreach (var database in databases)
            {
                await Client.ExecuteAsync("DROP DATABASE IF EXISTS " + Sql.Identifier(database), useDatabase: false);
            }
        }

        foreach (var http in https)
        {
            http.Dispose();
        }

        await StopAsync();
    }

    /// <summary>The base address ClickHouseClient is given.</summary>
    protected abstract string Url { get; }

    protected abstract Task StartAsync();

    protected abstract HttpClient NewHttpClient();

    protected abstract string Describe(string version);

    protected abstract Task StopAsync();
}
