using Streaming.DevHost.Chaos;
using Streaming.DevHost.Fleet;
using Xunit.Abstractions;

namespace Streaming.IntegrationTests;

/// <summary>
/// The short fault campaign of `./run chaos` in CI: three minutes of traffic with a fixed seed, every kind of fault at
/// least once (each service SIGKILLed, ClickHouse, Redis and a silo hung, ClickHouse and Redis killed, a Kafka broker
/// down, request errors, leaders moved, the push provider failing), then everything checked against the truth. The
/// ledger's delays are shortened so that the settling takes about a minute, not five.
/// </summary>
[Collection(Name)]
public sealed class ChaosCampaignTests(ITestOutputHelper output)
{
    public const string Name = "chaos-campaign";

    [Fact]
    public async Task A_three_minute_campaign_with_every_kind_of_fault_ends_exact()
    {
        var folder = Path.Combine(ServiceLayout.RepositoryRoot(), "artifacts", "chaos-ci");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        var options = new ChaosOptions
        {
            Minutes = 3,
            Seed = 19,
            Rate = 100,
            RunFolder = folder,
            SettleTimeout = TimeSpan.FromMinutes(4),
            ServiceConfiguration = new Dictionary<string, string>
            {
                ["Ledger__CheckDelay"] = "00:00:10",
                ["Ledger__Interval"] = "00:00:02",
                ["Ledger__RepairWithin"] = "00:00:30",
            },
        };
        Directory.CreateDirectory(folder);
        ChaosResult result;
        await using (var log = new StreamWriter(Path.Combine(folder, "chaos.log")) { AutoFlush = true })
        {
            result = await ChaosCampaign.RunAsync(options, TextWriter.Synchronized(log), CancellationToken.None);
        }

        output.WriteLine(result.Report);
        output.WriteLine($"progress and restarts: {Path.Combine(folder, "chaos.log")}");
        Assert.Empty(result.KindsNotInjected);
        Assert.True(result.EventsAccepted > 10_000, $"only {result.EventsAccepted} events accepted");
        Assert.True(result.Exact, result.Report);
    }
}

/// <summary>Runs alone: it starts a fleet of its own and breaks it.</summary>
[CollectionDefinition(ChaosCampaignTests.Name, DisableParallelization = true)]
public sealed class ChaosCampaignCollection
{
}
