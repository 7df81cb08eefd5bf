using Microsoft.Extensions.Options;

namespace Streaming.ClickHouse.Tests;

/// <summary>One real ClickHouse server for the tests of this project, with a database of its own.</summary>
public sealed class ClickHouseServerFixture : IAsyncLifetime
{
    private readonly HttpClient http = new();
    private LocalClickHouseServer? server;

    public ClickHouseClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        server = await LocalClickHouseServer.StartAsync();
        var database = "t_" + Guid.NewGuid().ToString("N")[..10];
        Client = new ClickHouseClient(http, Options.Create(new ClickHouseOptions { Url = server.Url, Database = database }));
        await Client.ExecuteAsync("CREATE DATABASE " + Sql.Identifier(database), useDatabase: false);
    }

    public async Task DisposeAsync()
    {
        await Client.ExecuteAsync("DROP DATABASE IF EXISTS " + Sql.Identifier(Client.Database), useDatabase: false);
        http.Dispose();
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}
