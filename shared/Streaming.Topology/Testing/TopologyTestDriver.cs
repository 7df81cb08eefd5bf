using System.Text;
using System.Text.Json;
using Streaming.Kafka;
using Streaming.Topology.Processing;

namespace Streaming.Topology.Testing;

/// <summary>
/// Runs a windowed topology without a broker: pipe in events, move the wall clock, read the results. Topics are
/// in-memory logs with offsets, so restarts replay from a checkpoint and repartition re-sends behave as on Kafka.
/// The windowing tasks are the same code the Kafka runtime runs.
/// </summary>
public sealed class TopologyTestDriver<TEvent, TKey, TValue>
    where TEvent : class
    where TKey : notnull
{
    private readonly WindowedTopology<TEvent, TKey, TValue> topology;
    private readonly List<byte[]>[] sourceLog;
    private readonly List<(byte[] Value, SourcePosition? Source)>[] windowInputLog;
    private readonly WindowingTask<TEvent, TKey, TValue>[] tasks;
    private DateTimeOffset nextProvisional;

    /// <param name="partitions">Partitions of the source topic and of the repartition topic.</param>
    public TopologyTestDriver(WindowedTopology<TEvent, TKey, TValue> topology, DateTimeOffset start, int partitions = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        this.topology = topology;
        Clock = new ManualClock(start);
        sourceLog = [.. Enumerable.Range(0, partitions).Select(_ => new List<byte[]>())];
        windowInputLog = [.. Enumerable.Range(0, partitions).Select(_ => new List<(byte[], SourcePosition?)>())];
        tasks = [.. Enumerable.Range(0, partitions).Select(p => new WindowingTask<TEvent, TKey, TValue>(topology, p, Clock))];
        nextProvisional = start + (topology.ProvisionalEvery ?? TimeSpan.Zero);
    }

    public ManualClock Clock { get; }

    /// <summary>Every result emitted so far, in order.</summary>
    public List<TopologyResult<TKey, TValue>> Results { get; } = [];

    /// <summary>Records that went to the late-events topic.</summary>
    public List<byte[]> LateRecords { get; } = [];

    /// <summary>Reasons of the records that went to the dead-letter topic.</summary>
    public List<string> DeadLetters { get; } = [];

    public int Partitions => tasks.Length;

    /// <summary>Writes an event to the source topic's <paramref name="partition"/> and processes it, then ticks as the Kafka loop does after every poll.</summary>
    public void Pipe(TEvent appEvent, int partition = 0) => PipeBytes(topology.Source.Format.Write(appEvent), partition);

    /// <summary>Writes raw bytes (e.g. a malformed record) to the source topic and processes them.</summary>
    public void PipeBytes(byte[] value, int partition = 0)
    {
        sourceLog[partition].Add(value);
        Route(value, partition, sourceLog[partition].Count - 1);
        AdvanceTime(TimeSpan.Zero);
    }

    /// <summary>Moves the wall clock and lets every task close what it may, as the Kafka runtime's tick does.</summary>
    public void AdvanceTime(TimeSpan by)
    {
        Clock.Advance(by);
        foreach (var task in tasks)
        {
            task.Advance(Results);
        }

        if (topology.ProvisionalEvery is { } every && Clock.GetUtcNow() >= nextProvisional)
        {
            foreach (var task in tasks)
            {
                task.EmitProvisional(Results);
            }

            nextProvisional = Clock.GetUtcNow() + every;
        }
    }

    /// <summary>The task's checkpoint as the Kafka runtime would store it.</summary>
    public byte[] Checkpoint(int partition) => JsonSerializer.SerializeToUtf8Bytes(tasks[partition].Checkpoint(), topology.CheckpointFormat);

    /// <summary>
    /// Replaces a task as after a crash: a new task restores <paramref name="checkpoint"/> (or starts empty) and
    /// re-processes the input from the offset the checkpoint reflects.
    /// </summary>
    public void Restart(int partition, byte[]? checkpoint)
    {
        var task = new WindowingTask<TEvent, TKey, TValue>(topology, partition, Clock);
        if (checkpoint is not null)
        {
            task.Restore(JsonSerializer.Deserialize(checkpoint, topology.CheckpointFormat)
                ?? throw new InvalidOperationException("Empty checkpoint."));
        }

        tasks[partition] = task;
        var log = windowInputLog[partition];
        for (var offset = task.NextOffset; offset < log.Count; offset++)
        {
            Process(partition, offset);
            task.Advance(Results);
        }
    }

    /// <summary>
    /// Sends the source records of <paramref name="sourcePartition"/> from <paramref name="fromOffset"/> through the
    /// repartition topic again, as a repartition stage restarted from an older commit does.
    /// </summary>
    public void ResendFromSource(int sourcePartition, long fromOffset)
    {
        if (topology.Source.Repartition is null)
        {
            throw new InvalidOperationException($"Topology '{topology.Name}' has no repartition stage.");
        }

        for (var offset = fromOffset; offset < sourceLog[sourcePartition].Count; offset++)
        {
            Route(sourceLog[sourcePartition][(int)offset], sourcePartition, offset);
        }
    }

    /// <summary>The counters of one task.</summary>
    public (long RecordsIn, long Corrections, long TooLate, long Duplicates, long Unreadable, DateTimeOffset Watermark) Counters(int partition)
    {
        var task = tasks[partition];
        return (task.RecordsIn, task.Windows.Corrections, task.Windows.TooLate, task.Duplicates, task.Unreadable, task.Windows.Watermark);
    }

    private void Route(byte[] value, int sourcePartition, long sourceOffset)
    {
        if (topology.Source.Repartition is not { } step)
        {
            windowInputLog[sourcePartition].Add((value, null));
            Process(sourcePartition, windowInputLog[sourcePartition].Count - 1);
            return;
        }

        // The repartition stage: unreadable records are dead-lettered there, filtered ones never sent.
        if (!topology.Source.Format.TryRead(value, out var appEvent, out var reason))
        {
            DeadLetters.Add(reason);
            return;
        }

        if (topology.Source.Filter is { } filter && !filter(appEvent))
        {
            return;
        }

        var target = PartitionOf(step.Key(appEvent));
        windowInputLog[target].Add((value, new SourcePosition(sourcePartition, sourceOffset)));
        Process(target, windowInputLog[target].Count - 1);
    }

    private void Process(int partition, long offset)
    {
        var (value, source) = windowInputLog[partition][(int)offset];
        switch (tasks[partition].Process(value, offset, source, Results, out var reason))
        {
            case RecordOutcome.TooLate:
                LateRecords.Add(value);
                break;
            case RecordOutcome.Unreadable:
                DeadLetters.Add(reason!);
                break;
        }
    }

    /// <summary>A stable hash of the key (FNV-1a), so placement does not change between runs.</summary>
    private int PartitionOf(string key)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (int)(hash % (uint)tasks.Length);
    }
}
