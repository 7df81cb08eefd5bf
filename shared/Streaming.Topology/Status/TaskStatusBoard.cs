using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json.Serialization;

namespace Streaming.Topology.Status;

/// <summary>One windowing task's counters, as last published by its consumer thread.</summary>
internal sealed record WindowTaskStatus(
    string Task,
    long RecordsRead,
    long Corrections,
    long TooLate,
    long Duplicates,
    long Unreadable,
    int OpenWindows,
    DateTimeOffset? Watermark,
    double? WatermarkLagSeconds);

/// <summary>The body of the status endpoint.</summary>
internal sealed record TopologyStatus(IReadOnlyList<WindowTaskStatus> Tasks);

/// <summary>
/// Counters of every task on this instance: written by the consumer thread, read by the status endpoint and by the
/// "Streaming.Topology" meter (records read, corrections, sent to the late topic, duplicates dropped, watermark lag).
/// </summary>
internal sealed class TaskStatusBoard : IDisposable
{
    public const string MeterName = "Streaming.Topology";
    private readonly ConcurrentDictionary<string, WindowTaskStatus> tasks = new(StringComparer.Ordinal);
    private readonly Meter meter = new(MeterName);

    public TaskStatusBoard()
    {
        meter.CreateObservableCounter("windows.records_read", () => Measure(t => t.RecordsRead));
        meter.CreateObservableCounter("windows.corrections", () => Measure(t => t.Corrections));
        meter.CreateObservableCounter("windows.late_to_topic", () => Measure(t => t.TooLate));
        meter.CreateObservableCounter("windows.duplicates_dropped", () => Measure(t => t.Duplicates));
        meter.CreateObservableGauge("windows.watermark_lag", () => tasks.Values
            .Where(t => t.WatermarkLagSeconds is not null)
            .Select(t => new Measurement<double>(t.WatermarkLagSeconds!.Value, new KeyValuePair<string, object?>("task", t.Task))), unit: "s");
    }

    public void Publish(WindowTaskStatus status) => tasks[status.Task] = status;

    public void Remove(string task) => tasks.TryRemove(task, out _);

    public TopologyStatus Snapshot() => new([.. tasks.Values.OrderBy(t => t.Task, StringComparer.Ordinal)]);

    public void Dispose() => meter.Dispose();

    private IEnumerable<Measurement<long>> Measure(Func<WindowTaskStatus, long> value) =>
        tasks.Values.Select(t => new Measurement<long>(value(t), new KeyValuePair<string, object?>("task", t.Task)));
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TopologyStatus))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
