using Streaming.Kafka;
using Streaming.Topology.Windowing;

namespace Streaming.Topology.Processing;

/// <summary>
/// One input partition of a windowed topology, single-threaded: decode, drop re-sends, filter, window. Results are
/// appended to the caller's list with this task's partition. <see cref="WindowingStage{TEvent, TKey, TValue}"/> runs it.
/// </summary>
internal sealed class WindowingTask<TEvent, TKey, TValue>
    where TEvent : class
    where TKey : notnull
{
    private readonly WindowedTopology<TEvent, TKey, TValue> topology;
    private readonly SourceDeduplicator deduplicator = new();
    private readonly WindowAggregator<TEvent, TKey, TValue> aggregator;
    private readonly List<WindowResult<TKey, TValue>> windowResults = [];

    public WindowingTask(WindowedTopology<TEvent, TKey, TValue> topology, int partition, TimeProvider clock)
    {
        this.topology = topology;
        Partition = partition;
        aggregator = new WindowAggregator<TEvent, TKey, TValue>(topology, clock);
    }

    public int Partition { get; }

    /// <summary>The next input offset; everything before it is reflected in the state.</summary>
    public long NextOffset { get; private set; }

    /// <summary>Names this run of the partition's results (see <see cref="TopologyResult{TKey, TValue}.Incarnation"/>).</summary>
    public long Incarnation { get; private set; }

    public long Duplicates => deduplicator.Duplicates;

    public long Unreadable { get; private set; }

    /// <summary>Records read from the input partition, duplicates and unreadable ones included.</summary>
    public long RecordsRead { get; private set; }

    public PartitionWindows<TKey, TValue> Windows => aggregator.Windows;

    /// <summary>Processes one input record; on Unreadable, <paramref name="reason"/> says why.</summary>
    public RecordOutcome Process(byte[]? value, long offset, SourcePosition? source, List<TopologyResult<TKey, TValue>> results, out string? reason)
    {
        NextOffset = offset + 1;
        RecordsRead++;
        reason = null;
        if (!deduplicator.IsNew(source))
        {
            return RecordOutcome.Duplicate;
        }

        if (!topology.Source.Format.TryRead(value, out var appEvent, out reason))
        {
            Unreadable++;
            return RecordOutcome.Unreadable;
        }

        if (topology.Source.Filter is { } filter && !filter(appEvent))
        {
            return RecordOutcome.Counted;
        }

        var outcome = aggregator.Add(appEvent, offset, windowResults);
        Drain(results);
        return outcome;
    }

    /// <summary>Closes the windows the watermark (or the idle clock) has passed; emits zeros of global series.</summary>
    public void Advance(List<TopologyResult<TKey, TValue>> results)
    {
        aggregator.Windows.Advance(windowResults);
        Drain(results);
    }

    public void EmitProvisional(List<TopologyResult<TKey, TValue>> results)
    {
        aggregator.Windows.EmitProvisional(windowResults);
        Drain(results);
    }

    public TaskCheckpoint<TKey, TValue> Checkpoint() =>
        new(NextOffset, new Dictionary<int, long>(deduplicator.Seen), aggregator.Windows.Snapshot(), Incarnation);

    /// <summary>Starts a new incarnation with empty state; <paramref name="nextOffset"/> -1 means "where the group is".</summary>
    public void StartIncarnation(long incarnation, long nextOffset)
    {
        Incarnation = incarnation;
        NextOffset = nextOffset;
    }

    public void Restore(TaskCheckpoint<TKey, TValue> checkpoint)
    {
        aggregator.Windows.Restore(checkpoint.Windows);
        deduplicator.Restore(checkpoint.SourceOffsets);
        NextOffset = checkpoint.NextOffset;
        Incarnation = checkpoint.Incarnation;
    }

    private void Drain(List<TopologyResult<TKey, TValue>> results)
    {
        foreach (var r in windowResults)
        {
            results.Add(new TopologyResult<TKey, TValue>(r.WindowStart, r.Key, Partition, r.Revision, r.Provisional, r.Value, Incarnation));
        }

        windowResults.Clear();
    }
}
