using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Streaming.Topology.Telemetry;

/// <summary>
/// The windowing runtime's activity source and meter (both "Streaming.Topology"): batch spans of the stages, windows
/// closed and how long after their earliest possible close their results were sent. The per-task counters of
/// <see cref="Status.TaskStatusBoard"/> are on the same meter.
/// </summary>
internal static class TopologyTelemetry
{
    public const string Name = "Streaming.Topology";
    public const string TopologyTag = "topology";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> WindowsClosed = Meter.CreateCounter<long>(
        "streaming.windows.closed", "{window}", "Windows closed (one per window start and input partition), by topology.");

    /// <summary>
    /// A window [start, end) can close at end + grace at the earliest (on the wall clock, for live traffic); this is how
    /// much later its final results were handed to the producer. Idle partitions add up to the idle timeout; replays of
    /// old events show their age.
    /// </summary>
    public static readonly Histogram<double> EmitDelay = Meter.CreateHistogram(
        "streaming.windows.emit.delay", "s", "From a window's earliest close (end + grace) to the sending of its final results, by topology.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600] });
}
