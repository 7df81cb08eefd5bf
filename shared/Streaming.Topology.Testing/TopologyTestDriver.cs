using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Streaming.Kafka;
using Streaming.Reposts;
using Streaming.Topology.Kafka;
using Streaming.Topology.Processing;

namespace Streaming.Topology.Testing;

/// <summary>
/// Runs a windowed topology without a broker: pipe in events, move the wall clock, read the results. It runs the
/// Kafka runtime's own stages (the repartition routing and the windowing stage with its task life cycle: restore,
/// process, tick, checkpoint, commit) over in-memory ports, so restarts replay from a checkpoint and repartition
/// re-sends behave as on Kafka. Topics are in-memory logs with offsets. One difference, on purpose: the windowing
/// stage checks for windows to close at every tick (an advance interval of zero), not every 100 ms.
/// A topology that reads the output of a repartition-only topology is driven together with it (<c>upstream</c>):
/// events are piped into the upstream's source and reach the windowing tasks through its routing.
/// </summary>
public sealed class TopologyTestDriver<TEvent, TKey, TValue>
    where TEvent : class
    where TKey : notnull
{
    private readonly WindowedTopology<TEvent, TKey, TValue> topology;
    private readonly List<byte[]>[] sourceLog;
    private readonly List<(byte[] Value, SourcePosition? Source)>[] windowInputLog;
    private readonly MemoryTaskCheckpoints checkpoints = new();
    private readonly MemoryOffsetCommitter committer = new();
    private readonly WindowingStage<TEvent, TKey, TValue> windowing;
    private readonly RepartitionStage<TEvent>? repartition;
    private readonly RecordFormat<TEvent> entryFormat;

    /// <param name="start">The wall clock's time at the start; it moves only with <see cref="AdvanceTime"/>.</param>
    /// <param name="partitions">Partitions of the source topic and of the repartition topic.</param>
    /// <param name="upstream">The repartition-only topology whose output topic is this topology's source, if driven together.</param>
    public TopologyTestDriver(WindowedTopology<TEvent, TKey, TValue> topology, DateTimeOffset start, int partitions = 1, RepartitionTopology<TEvent>? upstream = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        if (upstream is not null && (topology.Source.Repartition is not null || upstream.OutputTopic != topology.Source.Topic))
        {
            throw new ArgumentException(
                $"Topology '{topology.Name}' must read '{upstream.OutputTopic}' directly (without a repartition of its own) to be driven with '{upstream.Name}'.",
                nameof(upstream));
        }

        this.topology = topology;
        Clock = new FakeTimeProvider(start);
        Partitions = partitions;
        sourceLog = [.. Enumerable.Range(0, partitions).Select(_ => new List<byte[]>())];
        windowInputLog = [.. Enumerable.Range(0, partitions).Select(_ => new List<(byte[], SourcePosition?)>())];
        windowing = new WindowingStage<TEvent, TKey, TValue>(
            topology,
            topology.WindowInputTopic,
            new RecordingOutput(this),
            checkpoints,
            committer,
            new TopologyRuntimeOptions { AdvanceInterval = TimeSpan.Zero },
            Clock,
            status: null,
            NullLogger.Instance,
            logEnd: partition => windowInputLog[partition].Count);
        for (var partition = 0; partition < partitions; partition++)
        {
            windowing.Assign(partition);
        }

        var routing = upstream?.Source ?? (topology.Source.Repartition is null ? null : topology.Source);
        repartition = routing is null ? null : new RepartitionStage<TEvent>(routing, new RepartitionToTasks(this));
        entryFormat = (routing ?? topology.Source).Format;
    }

    public FakeTimeProvider Clock { get; }

    /// <summary>Every result emitted so far, in order.</summary>
    public List<TopologyResult<TKey, TValue>> Results { get; } = [];

    /// <summary>
    /// Sees every result before it is recorded; what it throws is the output's failure to send that result (as a
    /// producer's), and the result is not recorded.
    /// </summary>
    public Action<TopologyResult<TKey, TValue>>? BeforeResult { get; set; }

    /// <summary>Records that went to the late-events topic.</summary>
    public List<byte[]> LateRecords { get; } = [];

    /// <summary>Reasons of the records that went to the dead-letter topic.</summary>
    public List<string> DeadLetters { get; } = [];

    public int Partitions { get; }

    /// <summary>
    /// Writes an event to the source topic's <paramref name="partition"/> (the upstream's source, if any) and processes
    /// it, then ticks as the Kafka loop does after every poll.
    /// </summary>
    public void Pipe(TEvent appEvent, int partition = 0) => PipeBytes(entryFormat.Write(appEvent), partition);

    /// <summary>Writes raw bytes (e.g. a malformed record) to the source topic and processes them.</summary>
    public void PipeBytes(byte[] value, int partition = 0)
    {
        sourceLog[partition].Add(value);
        Route(value, partition, sourceLog[partition].Count - 1);
        AdvanceTime(TimeSpan.Zero);
    }

    /// <summary>Moves the wall clock, then ticks: idle tasks close windows, provisional updates and checkpoints fall due.</summary>
    public void AdvanceTime(TimeSpan by)
    {
        Clock.Advance(by);
        windowing.Tick();
    }

    /// <summary>
    /// Runs the runtime's checkpoint step now (results delivered, changed tasks' states stored, offsets committed)
    /// and returns the task's latest stored checkpoint, or null if it has none yet.
    /// </summary>
    public byte[]? Checkpoint(int partition)
    {
        windowing.Checkpoint();
        return checkpoints.ReadLatest(windowing.TaskId(partition), partition);
    }

    /// <summary>The input offset last committed for the windowing task of <paramref name="partition"/>, if any.</summary>
    public long? CommittedOffset(int partition) => committer.Committed.TryGetValue(partition, out var offset) ? offset : null;

    /// <summary>
    /// Replaces a task as after a crash: its state since <paramref name="checkpoint"/> is lost, a new task restores
    /// the checkpoint (or starts empty when null) as on reassignment, and re-processes the input from the offset the
    /// checkpoint reflects, ticking after every record.
    /// </summary>
    public void Restart(int partition, byte[]? checkpoint)
    {
        windowing.Forget(partition);
        checkpoints.Replace(windowing.TaskId(partition), checkpoint);
        var next = windowing.Assign(partition) ?? 0;
        for (var offset = next; offset < windowInputLog[partition].Count; offset++)
        {
            ProcessWindowInput(partition, offset);
            windowing.Tick();
        }
    }

    /// <summary>
    /// Empties the source and window input topics, as when a topic is recreated or a local Kafka that keeps nothing
    /// restarts: offsets start again at 0, while checkpoints (and results already written) stay.
    /// </summary>
    public void RecreateTopics()
    {
        foreach (var log in sourceLog)
        {
            log.Clear();
        }

        foreach (var log in windowInputLog)
        {
            log.Clear();
        }
    }

    /// <summary>The incarnation the task of <paramref name="partition"/> is counting in.</summary>
    public long Incarnation(int partition) => windowing.TaskOf(partition).Incarnation;

    /// <summary>
    /// Sends the source records of <paramref name="sourcePartition"/> from <paramref name="fromOffset"/> through the
    /// repartition topic again, as a repartition stage restarted from an older commit does.
    /// </summary>
    public void ResendFromSource(int sourcePartition, long fromOffset)
    {
        if (repartition is null)
        {
            throw new InvalidOperationException($"Topology '{topology.Name}' has no repartition stage and no upstream.");
        }

        for (var offset = fromOffset; offset < sourceLog[sourcePartition].Count; offset++)
        {
            Route(sourceLog[sourcePartition][(int)offset], sourcePartition, offset);
        }
    }

    /// <summary>
    /// The counters of one task. <c>Duplicates</c> are repartition re-sends recognised by source position, <c>ReSent</c>
    /// events recognised by their identity, <c>EventIds</c> the identities it remembers.
    /// </summary>
    public (long RecordsRead, long Corrections, long TooLate, long Duplicates, long Unreadable, DateTimeOffset Watermark, long ReSent, int EventIds) Counters(int partition)
    {
        var task = windowing.TaskOf(partition);
        return (task.RecordsRead, task.Windows.Corrections, task.Windows.TooLate, task.Duplicates, task.Unreadable, task.Windows.Watermark,
            task.ReSent, task.RememberedEvents.Count);
    }

    /// <summary>A source record goes through the repartition stage if there is one, else straight to its windowing task.</summary>
    private void Route(byte[] value, int sourcePartition, long sourceOffset)
    {
        if (repartition is null)
        {
            windowInputLog[sourcePartition].Add((value, null));
            ProcessWindowInput(sourcePartition, windowInputLog[sourcePartition].Count - 1);
        }
        else
        {
            repartition.Route(new InputRecord(sourcePartition, sourceOffset, Key: null, value));
        }
    }

    private void ProcessWindowInput(int partition, long offset)
    {
        var (value, source) = windowInputLog[partition][(int)offset];
        windowing.Process(new InputRecord(partition, offset, Key: null, value, source));
    }

    /// <summary>A stable hash of the key (FNV-1a), so placement does not change between runs.</summary>
    private int PartitionOf(string key)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (int)(hash % (uint)Partitions);
    }

    /// <summary>The windowing stage's output: the driver's lists.</summary>
    private sealed class RecordingOutput(TopologyTestDriver<TEvent, TKey, TValue> driver) : IWindowingOutput<TKey, TValue>
    {
        public void Result(TopologyResult<TKey, TValue> result)
        {
            driver.BeforeResult?.Invoke(result);
            driver.Results.Add(result);
        }

        public void Late(in InputRecord record) => driver.LateRecords.Add(record.Value!);

        public void DeadLetter(in InputRecord record, string reason) => driver.DeadLetters.Add(reason);

        public void Flush()
        {
        }
    }

    /// <summary>The repartition topic: appended to the log of the key's partition and processed by its task at once.</summary>
    private sealed class RepartitionToTasks(TopologyTestDriver<TEvent, TKey, TValue> driver) : IRepartitionOutput
    {
        public void Send(string key, byte[] value, SourcePosition source, DateTimeOffset eventTime)
        {
            var target = driver.PartitionOf(key);
            driver.windowInputLog[target].Add((value, source));
            driver.ProcessWindowInput(target, driver.windowInputLog[target].Count - 1);
        }

        public void DeadLetter(in InputRecord record, string reason) => driver.DeadLetters.Add(reason);
    }
}
