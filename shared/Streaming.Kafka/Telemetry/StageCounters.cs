using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Streaming.Kafka.Telemetry;

/// <summary>
/// Records in, out (per destination) and dead-lettered of one stage, named by its consumer group (or "ingest"): plain
/// interlocked counters on the hot path, read by the observable instruments of <see cref="KafkaTelemetry"/>.
/// </summary>
public sealed class StageCounters
{
    private static readonly ConcurrentDictionary<string, StageCounters> Stages = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Counter> outputs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Counter> deadLettersByReason = new(StringComparer.Ordinal);
    private long deadLettersUnwritten;
    private long recordsIn;
    private long deadLettered;
    private string? inputTopic;

    private StageCounters(string stage) => Stage = stage;

    public string Stage { get; }

    /// <summary>The one set of counters of <paramref name="stage"/> in this process.</summary>
    public static StageCounters For(string stage)
    {
        KafkaTelemetry.EnsureInstruments();
        return Stages.GetOrAdd(stage, s => new StageCounters(s));
    }

    public void RecordIn(string topic)
    {
        inputTopic ??= topic;
        Interlocked.Increment(ref recordsIn);
    }

    public void RecordDeadLettered() => Interlocked.Increment(ref deadLettered);

    /// <summary>A letter written, of one reason class (<see cref="DeadLetterReasons"/>): counted in both instruments.</summary>
    public void RecordDeadLettered(string reasonClass)
    {
        RecordDeadLettered();
        deadLettersByReason.GetOrAdd(reasonClass, r => new Counter(r)).Increment();
    }

    /// <summary>A letter the producer refused at once (the record is read again).</summary>
    public void RecordDeadLetterUnwritten() => Interlocked.Increment(ref deadLettersUnwritten);

    /// <summary>Dead letters of every stage of this process, by stage and reason class, for status endpoints.</summary>
    public static IReadOnlyList<DeadLetterCount> DeadLetterCounts() => [.. Stages.Values
        .SelectMany(s => s.deadLettersByReason.Values.Select(c => new DeadLetterCount(s.Stage, c.Destination, c.Value))
            .Concat(Volatile.Read(ref s.deadLettersUnwritten) is > 0 and var unwritten ? [new DeadLetterCount(s.Stage, "unwritten", unwritten)] : []))
        .OrderBy(c => c.Stage, StringComparer.Ordinal).ThenBy(c => c.Reason, StringComparer.Ordinal)];

    /// <summary>The counter of records written to <paramref name="destination"/>; callers on a hot path keep it.</summary>
    public Counter Output(string destination) => outputs.GetOrAdd(destination, d => new Counter(d));

    internal static IEnumerable<Measurement<long>> ObserveIn() => Stages.Values
        .Where(s => s.inputTopic is not null)
        .Select(s => new Measurement<long>(Volatile.Read(ref s.recordsIn),
            new(KafkaTelemetry.Stage, s.Stage), new(KafkaTelemetry.MessagingDestination, s.inputTopic)));

    internal static IEnumerable<Measurement<long>> ObserveOut() => Stages.Values
        .SelectMany(s => s.outputs.Values.Select(o => new Measurement<long>(o.Value,
            new(KafkaTelemetry.Stage, s.Stage), new(KafkaTelemetry.Destination, o.Destination))));

    internal static IEnumerable<Measurement<long>> ObserveDeadLettered() => Stages.Values
        .Select(s => new Measurement<long>(Volatile.Read(ref s.deadLettered), new KeyValuePair<string, object?>(KafkaTelemetry.Stage, s.Stage)));

    internal static IEnumerable<Measurement<long>> ObserveDeadLetters() => Stages.Values
        .SelectMany(s => s.deadLettersByReason.Values.Select(c => new Measurement<long>(c.Value,
            new(KafkaTelemetry.Stage, s.Stage), new(KafkaTelemetry.Reason, c.Destination))));

    internal static IEnumerable<Measurement<long>> ObserveDeadLettersUnwritten() => Stages.Values
        .Where(s => Volatile.Read(ref s.deadLettersUnwritten) > 0)
        .Select(s => new Measurement<long>(Volatile.Read(ref s.deadLettersUnwritten), new KeyValuePair<string, object?>(KafkaTelemetry.Stage, s.Stage)));

    /// <summary>Records written to one destination (or, for dead letters, of one reason class).</summary>
    public sealed class Counter(string destination)
    {
        private long value;

        public string Destination { get; } = destination;

        public long Value => Volatile.Read(ref value);

        public void Add(long records) => Interlocked.Add(ref value, records);

        public void Increment() => Interlocked.Increment(ref value);
    }
}

/// <summary>Dead letters a stage wrote with one reason class; <c>unwritten</c>: letters the producer refused.</summary>
public sealed record DeadLetterCount(string Stage, string Reason, long Count);
