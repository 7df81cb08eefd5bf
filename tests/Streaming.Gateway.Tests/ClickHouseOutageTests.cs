using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.LocalServers;
using Streaming.Metrics;

namespace Streaming.Gateway.Tests;

/// <summary>
/// A real ClickHouse the test stops (SIGKILL) or freezes (SIGSTOP): the metrics endpoints answer 503 problem+json with
/// Retry-After, within Gateway:QueryTimeout, and 200 again once it is back.
/// </summary>
public sealed class ClickHouseOutageTests : IAsyncLifetime
{
    private const string Path = "/v1/metrics/bookings?from=2026-11-21T10:00:00Z&to=2026-11-21T11:00:00Z";
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(2);
    private readonly HttpClient clickHouseHttp = new();
    private LocalClickHouseServer server = null!;
    private GatewayFactory gateway = null!;

    public async Task InitializeAsync()
    {
        server = await LocalClickHouseServer.StartAsync();
        Assert.True(server.IsChildProcess, $"These tests stop the server: unset {LocalClickHouseServer.UrlVariable}.");
        var database = "gw_outage_" + Guid.NewGuid().ToString("N")[..8];
        var clickHouse = new ClickHouseClient(clickHouseHttp, Options.Create(new ClickHouseOptions { Url = server.Url, Database = database }));
        await new SchemaMigrator(clickHouse).ApplyAsync(FleetSchema.Migrations);
        gateway = new GatewayFactory
        {
            Settings =
            {
                ["ClickHouse:Url"] = server.Url,
                ["ClickHouse:Database"] = database,
                ["Gateway:QueryTimeout"] = QueryTimeout.ToString(),
                ["Gateway:RequestsPerMinute"] = "100000",
            },
        };
    }

    public async Task DisposeAsync()
    {
        await gateway.DisposeAsync();
        await server.DisposeAsync();
        clickHouseHttp.Dispose();
    }

    [Fact]
    public async Task A_stopped_ClickHouse_answers_503_problem_json_with_Retry_After_at_once_and_200_once_it_is_back()
    {
        using var http = gateway.CreateClient();
        using (var before = await http.GetAsync(Path))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await server.KillAsync();
        var clock = Stopwatch.StartNew();
        using (var down = await http.GetAsync(Path))
        {
            await AssertUnavailableAsync(down);
        }

        Assert.True(clock.Elapsed < QueryTimeout, $"answered after {clock.Elapsed.TotalSeconds:0.0} s");

        await server.RestartAsync();
        using var after = await http.GetAsync(Path);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task A_hung_ClickHouse_answers_503_problem_json_with_Retry_After_within_the_query_timeout()
    {
        using var http = gateway.CreateClient();
        using (var before = await http.GetAsync(Path))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        server.Suspend();
        try
        {
            var clock = Stopwatch.StartNew();
            using var hung = await http.GetAsync(Path);
            await AssertUnavailableAsync(hung);
            Assert.InRange(clock.Elapsed, QueryTimeout - TimeSpan.FromMilliseconds(100), QueryTimeout + TimeSpan.FromSeconds(2));
        }
        finally
        {
            server.Resume();
        }

        using var after = await http.GetAsync(Path);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    private static async Task AssertUnavailableAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, await response.Content.ReadAsStringAsync());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(Outages.ClickHouseOutageHandler.RetryAfterSeconds), response.Headers.RetryAfter?.Delta);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
        Assert.Equal(Outages.ClickHouseOutageHandler.Title, problem.GetProperty("title").GetString());
    }
}
