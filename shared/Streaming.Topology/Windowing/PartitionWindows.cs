using System.Runtime.InteropServices;

namespace Streaming.Topology.Windowing;

/// <summary>
/// Tumbling event-time windows for one input partition (single-threaded).
/// The watermark is the largest event time seen minus the grace; when the partition has been idle for
/// <see cref="TumblingWindowOptions.IdleTimeout"/> it follows the wall clock instead, so quiet partitions still close.
/// A window closes when the watermark reaches its end and then emits its value; a later event for a closed window
/// within the correction horizon emits the corrected value at once. Revisions come from input offsets
/// (see <see cref="WindowResult{TKey, TValue}"/>), so results do not depend on when the wall clock closed a window.
/// </summary>
/// <remarks>
/// Windows are kept in buckets by start time, so closing and forgetting touch whole buckets (one or two at a time)
/// and the per-record path is two dictionary look-ups without allocation once a window exists.
/// </remarks>
internal sealed class PartitionWindows<TKey, TValue>
    where TKey : notnull
{
    private readonly TumblingWindowOptions options;
    private readonly Func<TValue> initial;
    private readonly Func<TValue, TValue> clone;
    private readonly TimeProvider clock;
    private readonly IReadOnlyList<TKey> zeroKeys;
    private readonly Dictionary<long, Dictionary<TKey, OpenWindow>> open = [];
    private readonly Dictionary<long, Dictionary<TKey, ClosedWindow>> closed = [];
    private readonly long sizeTicks;
    private readonly long horizonTicks;
    private long cachedStart = long.MinValue;
    private Dictionary<TKey, OpenWindow>? cachedBucket;
    private DateTimeOffset lastRecordAt;
    private bool recordsSinceAdvance;
    private long lastOffset = -1;
    private long zerosFrom = long.MinValue;
    private long addedStart = long.MinValue / 2; // far from any event's ticks, so the first Add computes its start

    /// <param name="clone">Copies a value, so that emitted results do not change when the window is corrected.</param>
    /// <param name="zeroKeys">
    /// Keys of global series: every closed window from the first one this partition saw emits them, with the initial
    /// value when no record had them, so that an empty minute is an explicit zero rather than a missing row.
    /// </param>
    public PartitionWindows(TumblingWindowOptions options, Func<TValue> initial, Func<TValue, TValue> clone, TimeProvider clock, IReadOnlyList<TKey>? zeroKeys = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Size, TimeSpan.Zero);
        this.options = options;
        this.initial = initial;
        this.clone = clone;
        this.clock = clock;
        this.zeroKeys = zeroKeys ?? [];
        sizeTicks = options.Size.Ticks;
        horizonTicks = options.CorrectionHorizon.Ticks;
        lastRecordAt = clock.GetUtcNow();
    }

    public DateTimeOffset Watermark { get; private set; } = DateTimeOffset.MinValue;

    /// <summary>Records added, once per key they count towards, corrections and too-late ones included.</summary>
    public long Additions { get; private set; }

    public long Corrections { get; private set; }

    public long TooLate { get; private set; }

    /// <summary>The start (UTC ticks) of the window the latest <see cref="Add"/> was for: traces note which windows a batch fed.</summary>
    public long LastAddedWindowStart => addedStart;

    public int OpenWindowCount => open.Values.Sum(bucket => bucket.Count);

    public DateTimeOffset WindowStartOf(DateTimeOffset eventTime) => new(StartTicks(eventTime.UtcTicks), TimeSpan.Zero);

    /// <summary>Adds one record; see the overload with a state argument.</summary>
    public WindowAddOutcome Add(TKey key, DateTimeOffset eventTime, long offset, Action<TValue> apply, List<WindowResult<TKey, TValue>> emitted) =>
        Add(key, eventTime, offset, apply, static (value, apply) => apply(value), emitted);

    /// <summary>
    /// Adds one record: <paramref name="apply"/> folds <paramref name="arg"/> into the window's value (a static lambda
    /// with the record as argument allocates nothing). Corrections of closed windows are appended to
    /// <paramref name="emitted"/> at once. A record too late even for a correction changes nothing; the caller must
    /// route it (e.g. to a late-events topic).
    /// </summary>
    public WindowAddOutcome Add<TArg>(TKey key, DateTimeOffset eventTime, long offset, TArg arg, Action<TValue, TArg> apply, List<WindowResult<TKey, TValue>> emitted)
    {
        Additions++;
        recordsSinceAdvance = true; // Stamped with the time in Advance: one clock read per tick, not per record.
        lastOffset = offset;
        var eventTicks = eventTime.UtcTicks;
        // Most records fall in the window of the one before (and each key of a record does): two divisions only when it changes.
        var start = (ulong)(eventTicks - addedStart) < (ulong)sizeTicks ? addedStart : addedStart = StartTicks(eventTicks);
        var watermark = Watermark.UtcTicks;
        // A window the watermark has passed but Advance has not emitted yet is still open: it takes the record.
        if (start + sizeTicks > watermark || (start == cachedStart ? cachedBucket is not null : open.ContainsKey(start)))
        {
            var bucket = start == cachedStart ? cachedBucket! : OpenBucket(start);
            ref var window = ref CollectionsMarshal.GetValueRefOrAddDefault(bucket, key, out var exists);
            if (!exists)
            {
                window.Value = initial();
                if (zerosFrom == long.MinValue || start < zerosFrom)
                {
                    zerosFrom = start; // Windows before it have not been zero-filled yet either.
                }
            }

            apply(window.Value, arg);
            window.LastOffset = offset;
            window.Changed = true;
            AdvanceWatermark(eventTicks);
            return WindowAddOutcome.Added;
        }

        if (start + sizeTicks + horizonTicks > watermark)
        {
            if (!closed.TryGetValue(start, out var closedBucket))
            {
                closedBucket = [];
                closed[start] = closedBucket;
            }

            var value = closedBucket.TryGetValue(key, out var previous) ? previous.Value : initial();
            apply(value, arg);
            closedBucket[key] = new ClosedWindow(value, offset + 1);
            Corrections++;
            emitted.Add(new WindowResult<TKey, TValue>(new DateTimeOffset(start, TimeSpan.Zero), key, offset + 1, clone(value)));
            AdvanceWatermark(eventTicks);
            return WindowAddOutcome.Corrected;
        }

        TooLate++;
        return WindowAddOutcome.TooLate;
    }

    /// <summary>Moves the watermark with the wall clock when idle, then emits every window it has passed.</summary>
    public void Advance(List<WindowResult<TKey, TValue>> emitted)
    {
        var now = clock.GetUtcNow();
        if (recordsSinceAdvance)
        {
            (lastRecordAt, recordsSinceAdvance) = (now, false);
        }

        if (now - lastRecordAt >= options.IdleTimeout && now - options.Grace > Watermark)
        {
            Watermark = now - options.Grace;
        }

        var watermark = Watermark.UtcTicks;
        foreach (var (start, bucket) in open)
        {
            if (start + sizeTicks > watermark)
            {
                continue;
            }

            if (!closed.TryGetValue(start, out var closedBucket))
            {
                closedBucket = new Dictionary<TKey, ClosedWindow>(bucket.Count);
                closed[start] = closedBucket;
            }

            var windowStart = new DateTimeOffset(start, TimeSpan.Zero);
            foreach (var (key, window) in bucket)
            {
                var revision = window.LastOffset + 1;
                closedBucket[key] = new ClosedWindow(window.Value, revision);
                emitted.Add(new WindowResult<TKey, TValue>(windowStart, key, revision, clone(window.Value)));
            }

            open.Remove(start); // Removing while enumerating is allowed for Dictionary.
            if (start == cachedStart)
            {
                (cachedStart, cachedBucket) = (long.MinValue, null);
            }
        }

        EmitZeros(watermark, emitted);
        foreach (var start in closed.Keys)
        {
            if (start + sizeTicks + horizonTicks <= watermark)
            {
                closed.Remove(start);
            }
        }
    }

    /// <summary>
    /// Emits every open window that changed since the last call, marked provisional, with the revision it would have
    /// if it closed now; the final result has the same or a higher revision and replaces it.
    /// </summary>
    public void EmitProvisional(List<WindowResult<TKey, TValue>> emitted)
    {
        foreach (var (start, bucket) in open)
        {
            var windowStart = new DateTimeOffset(start, TimeSpan.Zero);
            foreach (var key in bucket.Keys)
            {
                ref var window = ref CollectionsMarshal.GetValueRefOrNullRef(bucket, key);
                if (window.Changed)
                {
                    window.Changed = false;
                    emitted.Add(new WindowResult<TKey, TValue>(windowStart, key, window.LastOffset + 1, clone(window.Value), Provisional: true));
                }
            }
        }
    }

    /// <summary>A copy of the state, for a checkpoint.</summary>
    public WindowSnapshot<TKey, TValue> Snapshot() => new(
        Watermark,
        [.. open.SelectMany(b => b.Value.Select(w => new OpenWindowState<TKey, TValue>(
            new DateTimeOffset(b.Key, TimeSpan.Zero), w.Key, clone(w.Value.Value), w.Value.LastOffset)))],
        [.. closed.SelectMany(b => b.Value.Select(w => new ClosedWindowState<TKey, TValue>(
            new DateTimeOffset(b.Key, TimeSpan.Zero), w.Key, clone(w.Value.Value), w.Value.Revision)))],
        Additions,
        Corrections,
        TooLate,
        lastOffset,
        zerosFrom == long.MinValue ? null : new DateTimeOffset(zerosFrom, TimeSpan.Zero));

    /// <summary>Replaces the state with a checkpoint's. The idle timer starts again from now.</summary>
    public void Restore(WindowSnapshot<TKey, TValue> snapshot)
    {
        open.Clear();
        closed.Clear();
        (cachedStart, cachedBucket) = (long.MinValue, null);
        foreach (var w in snapshot.Open)
        {
            OpenBucket(w.Start.UtcTicks)[w.Key] = new OpenWindow { Value = clone(w.Value), LastOffset = w.LastOffset };
        }

        foreach (var w in snapshot.Closed)
        {
            if (!closed.TryGetValue(w.Start.UtcTicks, out var bucket))
            {
                bucket = [];
                closed[w.Start.UtcTicks] = bucket;
            }

            bucket[w.Key] = new ClosedWindow(clone(w.Value), w.Revision);
        }

        Watermark = snapshot.Watermark;
        Additions = snapshot.Additions;
        Corrections = snapshot.Corrections;
        TooLate = snapshot.TooLate;
        lastOffset = snapshot.LastOffset;
        zerosFrom = snapshot.ZerosFrom?.UtcTicks ?? long.MinValue;
        lastRecordAt = clock.GetUtcNow();
    }

    /// <summary>
    /// Zero-fills closed windows of the global series. The revision is one past the last offset seen: below that of any
    /// later correction, which comes from a higher offset.
    /// </summary>
    private void EmitZeros(long watermark, List<WindowResult<TKey, TValue>> emitted)
    {
        if (zeroKeys.Count == 0 || zerosFrom == long.MinValue)
        {
            return;
        }

        for (; zerosFrom + sizeTicks <= watermark; zerosFrom += sizeTicks)
        {
            closed.TryGetValue(zerosFrom, out var bucket);
            foreach (var key in zeroKeys)
            {
                if (bucket is null || !bucket.ContainsKey(key))
                {
                    emitted.Add(new WindowResult<TKey, TValue>(new DateTimeOffset(zerosFrom, TimeSpan.Zero), key, lastOffset + 1, initial()));
                }
            }
        }
    }

    private long StartTicks(long ticks) => ticks - (((ticks % sizeTicks) + sizeTicks) % sizeTicks);

    private Dictionary<TKey, OpenWindow> OpenBucket(long start)
    {
        if (!open.TryGetValue(start, out var bucket))
        {
            bucket = [];
            open[start] = bucket;
        }

        (cachedStart, cachedBucket) = (start, bucket);
        return bucket;
    }

    private void AdvanceWatermark(long eventTicks)
    {
        var candidate = eventTicks - options.Grace.Ticks;
        if (candidate > Watermark.UtcTicks)
        {
            Watermark = new DateTimeOffset(candidate, TimeSpan.Zero);
        }
    }

    /// <summary>A struct stored in the dictionary and updated in place: one indirection less per record.</summary>
    private struct OpenWindow
    {
        public TValue Value;
        public long LastOffset;
        public bool Changed; // Since the last provisional emit.
    }

    private sealed record ClosedWindow(TValue Value, long Revision);
}
