using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json.Serialization;
using Streaming.Kafka.Telemetry;

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
    double? WatermarkLagSeconds,
    long ReSent = 0,
    int EventIdsRemembered = 0,
    long EventIdBytes = 0);

/// <summary>
/// The body of the status endpoint: the windowing tasks, and the dead letters every stage of this process wrote, by
/// stage and reason class (<c>unwritten</c>: letters the producer refused, whose records were read again).
/// </summary>
internal sealed record TopologyStatus(IReadOnlyList<WindowTaskStatus> Tasks, IReadOnlyList<DeadLetterCount>? DeadLetters = null);

/// <summary>
/// Counters of every task on this instance: written by the consumer thread, read by the status endpoint and by the
/// "Streaming.Topology" meter (records read, corrections, sent to the late topic, duplicates dropped, open windows,
/// watermark lag), published at each checkpoint.
/// </summary>
internal sealed class TaskStatusBoard : IDisposable
{
    public const string MeterName = "Streaming.Topology";
    private readonly ConcurrentDictionary<string, WindowTaskStatus> tasks = new(StringComparer.Ordinal);
    private readonly Meter meter = new(MeterName);

    public TaskStatusBoard()
    {
        meter.CreateObservableCounter("streaming.windows.records.read", () => Measure(t => t.RecordsRead), "{record}",
            "Records a windowing task read (duplicates and unreadable ones included), by task.");
        meter.CreateObservableCounter("streaming.windows.corrections", () => Measure(t => t.Corrections), "{record}",
            "Records counted into an already closed window, whose corrected result was sent at once, by task.");
        meter.CreateObservableCounter("streaming.windows.records.late", () => Measure(t => t.TooLate), "{record}",
            "Records beyond the correction horizon, sent to the late-events topic, by task.");
        meter.CreateObservableCounter("streaming.windows.records.duplicate", () => Measure(t => t.Duplicates), "{record}",
            "Re-sent records recognised by their source position and dropped, by task.");
        meter.CreateObservableCounter("streaming.windows.records.resent", () => Measure(t => t.ReSent), "{record}",
            "Re-sent events recognised by their identity and dropped (those with other content go to the dead-letter topic), by task.");
        meter.CreateObservableGauge("streaming.windows.event_ids", () => tasks.Values
            .Select(t => new Measurement<int>(t.EventIdsRemembered, new KeyValuePair<string, object?>("task", t.Task))), "{id}",
            "Event identities a task remembers (those within the correction horizon), to drop re-sent events.");
        meter.CreateObservableGauge("streaming.windows.event_ids.memory", () => Measure(t => t.EventIdBytes), "By",
            "Memory of a task's table of remembered event identities.");
        meter.CreateObservableGauge("streaming.windows.open", () => tasks.Values
            .Select(t => new Measurement<int>(t.OpenWindows, new KeyValuePair<string, object?>("task", t.Task))), "{window}",
            "Windows open in a task.");
        meter.CreateObservableGauge("streaming.windows.watermark.lag", () => tasks.Values
            .Where(t => t.WatermarkLagSeconds is not null)
            .Select(t => new Measurement<double>(t.WatermarkLagSeconds!.Value, new KeyValuePair<string, object?>("task", t.Task))), "s",
            "Wall clock minus a task's watermark (the latest event time seen minus the grace).");
    }

    public void Publish(WindowTaskStatus status) => tasks[status.Task] = status;

    public void Remove(string task) => tasks.TryRemove(task, out _);

    public TopologyStatus Snapshot() => new([.. tasks.Values.OrderBy(t => t.Task, StringComparer.Ordinal)], StageCounters.DeadLetterCounts());

    public void Dispose() => meter.Dispose();

    private IEnumerable<Measurement<long>> Measure(Func<WindowTaskStatus, long> value) =>
        tasks.Values.Select(t => new Measurement<long>(value(t), new KeyValuePair<string, object?>("task", t.Task)));
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TopologyStatus))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
