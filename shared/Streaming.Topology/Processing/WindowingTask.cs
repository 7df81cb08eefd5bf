using Streaming.Kafka;
using Streaming.Reposts;
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
    private readonly RememberedEvents remembered = new();
    private readonly List<IdSegment> segments = [];
    private long nextSegment;
    private long expiryWindow = long.MinValue / 2; // the window start, its expiry in ticks and in Unix seconds, of the latest event
    private long expiryTicks;
    private uint expirySeconds;
    private long watermarkSecondTicks = long.MinValue / 2; // the whole second (UTC ticks) of the watermark, and it in Unix seconds
    private uint watermarkSeconds;
    private readonly Func<TEvent, EventIdentity>? identity;
    private readonly long sizeTicks;
    private readonly long horizonTicks;

    public WindowingTask(WindowedTopology<TEvent, TKey, TValue> topology, int partition, TimeProvider clock)
    {
        this.topology = topology;
        Partition = partition;
        aggregator = new WindowAggregator<TEvent, TKey, TValue>(topology, clock);
        identity = topology.Source.Identity;
        sizeTicks = topology.Window.Size.Ticks;
        horizonTicks = topology.Window.CorrectionHorizon.Ticks;
    }

    public int Partition { get; }

    /// <summary>The next input offset; everything before it is reflected in the state.</summary>
    public long NextOffset { get; private set; }

    /// <summary>Names this run of the partition's results (see <see cref="TopologyResult{TKey, TValue}.Incarnation"/>).</summary>
    public long Incarnation { get; private set; }

    public long Duplicates => deduplicator.Duplicates;

    /// <summary>Events dropped because their identity was already counted (those with other content included).</summary>
    public long ReSent { get; private set; }

    public long Unreadable { get; private set; }

    /// <summary>The identities remembered, for dropping re-sent events.</summary>
    public RememberedEvents RememberedEvents => remembered;

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

        if (identity is not null && Recall(appEvent, identity(appEvent), out reason) is { } resent)
        {
            return resent;
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

    /// <summary>Starts a new incarnation with empty state; <paramref name="nextOffset"/> -1 means "where the group is".</summary>
    public void StartIncarnation(long incarnation, long nextOffset)
    {
        Incarnation = incarnation;
        NextOffset = nextOffset;
    }

    /// <summary>
    /// The state to store. Event identities go as segments: the ones remembered since the previous checkpoint become a
    /// new segment, and segments whose every entry is past the horizon are dropped.
    /// </summary>
    public TaskCheckpoint<TKey, TValue> Checkpoint()
    {
        var now = WatermarkSeconds();
        var added = new Dictionary<long, byte[]>();
        var (bytes, count, expiresBy) = remembered.TakeJournal();
        if (count > 0 && expiresBy > now)
        {
            var segment = new IdSegment(nextSegment++, count, expiresBy);
            segments.Add(segment);
            added[segment.Id] = bytes;
        }

        var dropped = segments.Where(s => s.ExpiresBy <= now).ToList();
        segments.RemoveAll(s => s.ExpiresBy <= now);
        return new TaskCheckpoint<TKey, TValue>(
            NextOffset,
            new Dictionary<int, long>(deduplicator.Seen),
            aggregator.Windows.Snapshot(),
            new EventIdCheckpoint([.. segments], nextSegment, added, dropped),
            Incarnation);
    }

    /// <summary>
    /// Restores the task; returns how many segments of event identities the checkpoint names but the store no longer
    /// holds. Those identities are forgotten rather than the task stopped for good: a Kafka that dropped them (the local
    /// one keeps only the newest 5 MiB of a partition; a compacted topic keeps them) would otherwise make every restore
    /// fail. A re-sent copy of a forgotten event then counts again, and the gap ledger repairs its minute from the raw events.
    /// </summary>
    public int Restore(TaskCheckpoint<TKey, TValue> checkpoint)
    {
        aggregator.Windows.Restore(checkpoint.Windows);
        var ids = checkpoint.EventIds;
        var stored = new List<ReadOnlyMemory<byte>>(ids.Live.Count);
        var kept = new List<IdSegment>(ids.Live.Count);
        foreach (var segment in ids.Live)
        {
            if (ids.Bytes.TryGetValue(segment.Id, out var bytes) && bytes.Length >= segment.Bytes)
            {
                stored.Add(bytes.AsMemory(0, segment.Bytes));
                kept.Add(segment);
            }
        }

        remembered.Restore(stored, WatermarkSeconds());
        segments.Clear();
        segments.AddRange(kept);
        nextSegment = ids.NextSegment;
        deduplicator.Restore(checkpoint.SourceOffsets);
        NextOffset = checkpoint.NextOffset;
        Incarnation = checkpoint.Incarnation;
        return ids.Live.Count - kept.Count;
    }

    /// <summary>
    /// Remembers the event's identity until its window is past the correction horizon; returns the outcome of a re-send,
    /// or null for an event to count. An event already beyond the horizon is not remembered: it is not counted either.
    /// </summary>
    private RecordOutcome? Recall(TEvent appEvent, EventIdentity id, out string? reason)
    {
        reason = null;
        var ticks = topology.Source.EventTime(appEvent).UtcTicks;
        if ((ulong)(ticks - expiryWindow) >= (ulong)sizeTicks)
        {
            // Most events fall in the window of the one before: the division only when the window changes.
            expiryWindow = ticks - (ticks % sizeTicks); // UtcTicks are never negative
            expiryTicks = expiryWindow + sizeTicks + horizonTicks; // window end + horizon
            expirySeconds = (uint)Math.Min(uint.MaxValue, SecondsUp(expiryTicks));
        }

        if (expiryTicks <= aggregator.Windows.Watermark.UtcTicks)
        {
            return null; // too late: the windows send it to the late-events topic
        }

        switch (remembered.Remember(id.Id, id.Content, expirySeconds, WatermarkSeconds()))
        {
            case Remembered.Repeat:
                ReSent++;
                return RecordOutcome.ReSent;
            case Remembered.Changed:
                ReSent++;
                reason = "re-sent event with different content: an event with this identity was already counted, and the first copy counts";
                return RecordOutcome.ReSentChanged;
            default:
                return null;
        }
    }

    /// <summary>The watermark in Unix seconds, rounded down (0 before any event): identities expiring at or before it are forgotten.</summary>
    private uint WatermarkSeconds()
    {
        var ticks = aggregator.Windows.Watermark.UtcTicks;
        if ((ulong)(ticks - watermarkSecondTicks) >= TimeSpan.TicksPerSecond)
        {
            // The watermark moves with nearly every record, its second far less often: one division per second.
            watermarkSecondTicks = ticks - (ticks % TimeSpan.TicksPerSecond);
            watermarkSeconds = ticks <= DateTimeOffset.UnixEpoch.UtcTicks ? 0 : (uint)Math.Min(uint.MaxValue, (ticks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerSecond);
        }

        return watermarkSeconds;
    }

    private static long SecondsUp(long utcTicks) => Math.Max(0, (utcTicks - DateTimeOffset.UnixEpoch.UtcTicks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond);

    private void Drain(List<TopologyResult<TKey, TValue>> results)
    {
        foreach (var r in windowResults)
        {
            results.Add(new TopologyResult<TKey, TValue>(r.WindowStart, r.Key, Partition, r.Revision, r.Provisional, r.Value, Incarnation));
        }

        windowResults.Clear();
    }
}
