using System.Diagnostics.Metrics;
using System.Text.Json.Serialization;

namespace Streaming.Gateway.Status;

/// <summary>The body of GET /v1/status: how fresh the stored metrics are, and the consumers' lag.</summary>
/// <param name="NewestFinalMinute">The newest minute every source partition has finalised in ClickHouse; null before the first.</param>
/// <param name="FreshnessSeconds">Now minus <paramref name="NewestFinalMinute"/>; null before the first.</param>
/// <param name="Lag">Records behind, per consumer group, as the consumers report them (empty when <c>Gateway__LagSources</c> is unset).</param>
/// <param name="LagTotal">The sum of <paramref name="Lag"/>; null when no consumer could be read.</param>
public sealed record FleetStatusBody(
    DateTimeOffset? NewestFinalMinute,
    double? FreshnessSeconds,
    IReadOnlyList<GroupLag> Lag,
    long? LagTotal,
    DateTimeOffset CheckedAt);

public sealed record GroupLag(string Group, long Lag);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(FleetStatusBody))]
public sealed partial class FleetStatusJsonContext : JsonSerializerContext;

/// <summary>
/// What <see cref="FleetStatusProbe"/> last saw, for the status endpoint and the <c>streaming.freshness</c> gauge
/// (meter "Streaming.Gateway"). Freshness is computed when read, so it keeps growing while nothing new is final.
/// </summary>
public sealed class FleetStatus : IDisposable
{
    public const string MeterName = "Streaming.Gateway";
    private readonly Meter meter = new(MeterName);
    private readonly TimeProvider clock;
    private volatile Snapshot latest = new(null, [], null, DateTimeOffset.MinValue);

    public FleetStatus(TimeProvider clock)
    {
        this.clock = clock;
        meter.CreateObservableGauge("streaming.freshness", () =>
            latest.NewestFinalMinute is { } minute ? [new Measurement<double>((clock.GetUtcNow() - minute).TotalSeconds)] : Array.Empty<Measurement<double>>(),
            "s", "Now minus the newest minute whose final results from every source partition are in ClickHouse.");
    }

    public void Update(DateTimeOffset? newestFinalMinute, IReadOnlyList<GroupLag> lag, long? lagTotal) =>
        latest = new Snapshot(newestFinalMinute ?? latest.NewestFinalMinute, lag, lagTotal, clock.GetUtcNow());

    public FleetStatusBody Body()
    {
        var snapshot = latest;
        var freshness = snapshot.NewestFinalMinute is { } minute ? (clock.GetUtcNow() - minute).TotalSeconds : (double?)null;
        return new FleetStatusBody(snapshot.NewestFinalMinute, freshness, snapshot.Lag, snapshot.LagTotal, snapshot.CheckedAt);
    }

    public void Dispose() => meter.Dispose();

    private sealed record Snapshot(DateTimeOffset? NewestFinalMinute, IReadOnlyList<GroupLag> Lag, long? LagTotal, DateTimeOffset CheckedAt);
}
