namespace Streaming.DevHost.Chaos;

/// <summary>One fault campaign: how long faults are injected, the seed of the traffic and of the nemesis, the traffic's rate.</summary>
public sealed record ChaosOptions
{
    /// <summary>Minutes of traffic and faults; the settling and the checks come after.</summary>
    public int Minutes { get; init; } = 10;

    /// <summary>Picks the traffic (users, products, events) and the faults' plan (kinds, times, targets, durations).</summary>
    public int Seed { get; init; }

    /// <summary>Events per second the simulated apps post.</summary>
    public int Rate { get; init; } = 200;

    /// <summary>The run's folder: the fleet's state and logs, the plan, the samples, the report.</summary>
    public required string RunFolder { get; init; }

    /// <summary>How long the fleet may take after the last fault to be exact (the ledger repairs within 5 minutes by default).</summary>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromMinutes(8);

    /// <summary>Between two samples of each service's memory, threads and file descriptors.</summary>
    public TimeSpan SoakInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Between two progress lines.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Configuration over the embedded defaults, for every service (the CI campaign shortens the ledger's delays).</summary>
    public IReadOnlyDictionary<string, string> ServiceConfiguration { get; init; } = new Dictionary<string, string>();

    /// <summary>The command that runs this campaign again.</summary>
    public string ReplayCommand => $"./run chaos --minutes {Minutes} --seed {Seed} --rate {Rate}";
}
