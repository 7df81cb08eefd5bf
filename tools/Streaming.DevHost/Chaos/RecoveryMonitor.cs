using System.Globalization;
using System.Text.Json;
using Streaming.DevHost.Fleet;

namespace Streaming.DevHost.Chaos;

/// <summary>
/// One reading of the gateway's /v1/status: when the gateway's probe checked, the lag summed over the consumer groups
/// that answered and how many did, the age of the newest final minute, and whether the supervisor had a process down.
/// </summary>
public sealed record StatusSample(DateTimeOffset CheckedAt, long? Lag, int Groups, double? FreshnessSeconds, bool ProcessDown);

/// <summary>
/// Reads the gateway's /v1/status every second, as a dashboard would, and says when the fleet had recovered after a
/// fault: the first reading checked after the fault's end with lag under <see cref="MaxLag"/> summed over every
/// consumer group (as many as ever answered: a service that is down or hung does not report its lag), the newest final
/// minute at most <see cref="MaxFreshness"/> old (the minute before the current one is final), and no process down.
/// </summary>
public sealed class RecoveryMonitor(LocalFleet fleet)
{
    public const long MaxLag = 100;

    /// <summary>A minute closes its grace period after it ends; the minute before the current one is final within two minutes and a margin.</summary>
    public static readonly TimeSpan MaxFreshness = TimeSpan.FromSeconds(135);

    private readonly List<StatusSample> samples = [];
    private readonly Lock gate = new();

    public IReadOnlyList<StatusSample> Samples
    {
        get
        {
            lock (gate)
            {
                return [.. samples];
            }
        }
    }

    public async Task RunAsync(CancellationToken stop)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                if (await ReadAsync(http, stop) is { } sample)
                {
                    lock (gate)
                    {
                        if (samples.Count == 0 || samples[^1].CheckedAt != sample.CheckedAt)
                        {
                            samples.Add(sample);
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The campaign is over.
        }
    }

    /// <summary>From the end of <paramref name="fault"/> to the first healthy reading after it; null if none came.</summary>
    public TimeSpan? Recovery(InjectedFault fault)
    {
        var all = Samples;
        var groups = all.Count == 0 ? 0 : all.Max(s => s.Groups);
        return all.FirstOrDefault(s => s.CheckedAt >= fault.End && Healthy(s, groups)) is { } healthy ? healthy.CheckedAt - fault.End : null;
    }

    public static bool Healthy(StatusSample sample, int groups) =>
        sample.Lag is < MaxLag && sample.Groups >= groups && sample.FreshnessSeconds is { } age && age <= MaxFreshness.TotalSeconds && !sample.ProcessDown;

    /// <summary>The readings as CSV: checked_at, lag, groups, freshness_s, process_down.</summary>
    public string Csv() =>
        "checked_at,lag,groups,freshness_s,process_down\n" + string.Concat(Samples.Select(s => string.Create(CultureInfo.InvariantCulture,
            $"{s.CheckedAt:O},{s.Lag},{s.Groups},{s.FreshnessSeconds:0.#},{(s.ProcessDown ? 1 : 0)}\n")));

    private async Task<StatusSample?> ReadAsync(HttpClient http, CancellationToken stop)
    {
        try
        {
            var down = fleet.Supervisor?.Statuses.Any(s => s.Down) == true || fleet.Services.Any(s => s.HasExited);
            using var status = JsonDocument.Parse(await http.GetStringAsync(fleet.GatewayUrl + "/v1/status", stop));
            var root = status.RootElement;
            return new StatusSample(
                root.GetProperty("checked_at").GetDateTimeOffset(),
                root.GetProperty("lag_total") is { ValueKind: JsonValueKind.Number } lag ? lag.GetInt64() : null,
                root.GetProperty("lag").GetArrayLength(),
                root.GetProperty("freshness_seconds") is { ValueKind: JsonValueKind.Number } age ? age.GetDouble() : null,
                down);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException or FormatException
                                       or TaskCanceledException && !stop.IsCancellationRequested)
        {
            // The gateway is down or hung: no reading, so no recovery yet.
            return null;
        }
    }
}
