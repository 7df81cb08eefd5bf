using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Streaming.DevHost.Summary;
using Streaming.LocalServers;

namespace Streaming.IntegrationTests;

/// <summary>The demo summary's profiles segment: silos summed, a silo that does not answer named, never a failure.</summary>
public sealed class ProfilesSummaryTests
{
    [Fact]
    public void Sums_the_silos_and_names_one_that_is_down()
    {
        var line = ProfilesSummary.Format(
        [
            ("Streaming.Profiles", new SiloStatus(1200, 30_000, 7)),
            ("Streaming.Profiles-2", null),
            ("Streaming.Profiles-3", new SiloStatus(800, 12_345, 5)),
        ]);

        Assert.Equal("profiles 2,000 live, 42,345 applied, lag 12 (Profiles-2 down)", line);
    }

    [Fact]
    public void Lag_not_sampled_yet_is_unknown_and_no_silo_answering_says_so()
    {
        Assert.Equal("profiles 0 live, 0 applied, lag ?", ProfilesSummary.Format([("Streaming.Profiles", new SiloStatus(0, 0, -1))]));
        Assert.Equal("profiles ? (Profiles,Profiles-2 down)", ProfilesSummary.Format([("Streaming.Profiles", null), ("Streaming.Profiles-2", null)]));
    }

    [Fact]
    public async Task Reads_a_silos_status_and_null_where_nothing_answers()
    {
        // The silo's status body (services/Streaming.Profiles/Status/StatusEndpoint.cs, snake_case).
        const string body = """
            {"products_live":3,"events_applied":40,"duplicates_ignored":2,"dead_lettered":0,"consumer_lag":5,"partitions":3,"rewinds":0,"flush_failures":0}
            """;
        var builder = WebApplication.CreateSlimBuilder();
        var port = LoopbackPorts.Free();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var silo = builder.Build();
        silo.MapGet(ProfilesSummary.StatusPath, () => Results.Text(body, "application/json"));
        await silo.StartAsync();
        using var http = new HttpClient();

        Assert.Equal(new SiloStatus(3, 40, 5), await ProfilesSummary.ReadAsync(http, $"http://127.0.0.1:{port}", CancellationToken.None));
        Assert.Null(await ProfilesSummary.ReadAsync(http, $"http://127.0.0.1:{LoopbackPorts.Free()}", CancellationToken.None));
    }
}
