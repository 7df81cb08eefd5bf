namespace Streaming.Windows;

/// <summary>
/// Tumbling event-time windows for one input partition (single-threaded).
/// The watermark is the largest event time seen minus the grace; when the partition has been idle for
/// <see cref="TumblingWindowOptions.IdleTimeout"/> it follows the wall clock instead, so quiet partitions still close.
/// A window closes when the watermark reaches its end and then emits its value; a later event for a closed window
/// within the correction horizon emits the corrected value at once. Revisions come from input offsets
/// (see <see cref="WindowResult{TKey, TValue}"/>), so results do not depend on when the wall clock closed a window.
/// </summary>
public sealed class PartitionWindows<TKey, TValue>
    where TKey : notnull
{
    private readonly TumblingWindowOptions options;
    private readonly Func<TValue> initial;
    private readonly Func<TValue, TValue> clone;
    private readonly TimeProvider clock;
    private readonly Dictionary<(long Start, TKey Key), OpenWindow> open = [];
    private readonly Dictionary<(long Start, TKey Key), ClosedWindow> closed = [];
    private readonly long sizeTicks;
    private DateTimeOffset lastRecordAt;

    /// <param name="clone">Copies a value, so that emitted results do not change when the window is corrected.</param>
    public PartitionWindows(TumblingWindowOptions options, Func<TValue> initial, Func<TValue, TValue> clone, TimeProvider clock)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Size, TimeSpan.Zero);
        this.options = options;
        this.initial = initial;
        this.clone = clone;
        this.clock = clock;
        sizeTicks = options.Size.Ticks;
        lastRecordAt = clock.GetUtcNow();
    }

    public DateTimeOffset Watermark { get; private set; } = DateTimeOffset.MinValue;

    public long RecordsIn { get; private set; }

    public long Corrections { get; private set; }

    public long TooLate { get; private set; }

    public int OpenWindowCount => open.Count;

    public DateTimeOffset WindowStartOf(DateTimeOffset eventTime)
    {
        var ticks = eventTime.UtcTicks;
        return new DateTimeOffset(ticks - ((ticks % sizeTicks) + sizeTicks) % sizeTicks, TimeSpan.Zero);
    }

    /// <summary>
    /// Adds one record. Corrections of closed windows are appended to <paramref name="emitted"/> at once.
    /// A record too late even for a correction changes nothing; the caller must route it (e.g. to a late-events topic).
    /// </summary>
    public WindowAddOutcome Add(TKey key, DateTimeOffset eventTime, long offset, Action<TValue> apply, List<WindowResult<TKey, TValue>> emitted)
    {
        RecordsIn++;
        lastRecordAt = clock.GetUtcNow();
        var start = WindowStartOf(eventTime);
        var end = start + options.Size;
        var id = (start.UtcTicks, key);
        if (end > Watermark)
        {
            if (!open.TryGetValue(id, out var window))
            {
                window = new OpenWindow(initial());
                open[id] = window;
            }

            apply(window.Value);
            window.LastOffset = offset;
            AdvanceWatermark(eventTime);
            return WindowAddOutcome.Added;
        }
        else if (end + options.CorrectionHorizon > Watermark)
        {
            var previous = closed.TryGetValue(id, out var found) ? found : new ClosedWindow(initial(), 0);
            apply(previous.Value);
            var corrected = new ClosedWindow(previous.Value, offset + 1);
            closed[id] = corrected;
            Corrections++;
            emitted.Add(new WindowResult<TKey, TValue>(start, key, corrected.Revision, clone(corrected.Value)));
            AdvanceWatermark(eventTime);
            return WindowAddOutcome.Corrected;
        }

        TooLate++;
        return WindowAddOutcome.TooLate;
    }

    private void AdvanceWatermark(DateTimeOffset eventTime)
    {
        var candidate = eventTime - options.Grace;
        if (candidate > Watermark)
        {
            Watermark = candidate;
        }
    }

    /// <summary>Moves the watermark with the wall clock when idle, then emits every window it has passed.</summary>
    public void Advance(List<WindowResult<TKey, TValue>> emitted)
    {
        var now = clock.GetUtcNow();
        if (now - lastRecordAt >= options.IdleTimeout && now - options.Grace > Watermark)
        {
            Watermark = now - options.Grace;
        }

        if (open.Count > 0)
        {
            List<(long Start, TKey Key)>? done = null;
            foreach (var (id, window) in open)
            {
                if (new DateTimeOffset(id.Start, TimeSpan.Zero) + options.Size <= Watermark)
                {
                    (done ??= []).Add(id);
                    var revision = window.LastOffset + 1;
                    closed[id] = new ClosedWindow(window.Value, revision);
                    emitted.Add(new WindowResult<TKey, TValue>(new DateTimeOffset(id.Start, TimeSpan.Zero), id.Key, revision, clone(window.Value)));
                }
            }

            done?.ForEach(id => open.Remove(id));
        }

        if (closed.Count > 0 && Watermark.UtcTicks > (options.CorrectionHorizon + options.Size).Ticks)
        {
            var forgetBefore = Watermark - options.CorrectionHorizon - options.Size;
            foreach (var id in closed.Keys.Where(k => k.Start < forgetBefore.UtcTicks).ToList())
            {
                closed.Remove(id);
            }
        }
    }

    /// <summary>A copy of the state, for a checkpoint.</summary>
    public WindowSnapshot<TKey, TValue> Snapshot() => new(
        Watermark,
        [.. open.Select(w => new OpenWindowState<TKey, TValue>(new DateTimeOffset(w.Key.Start, TimeSpan.Zero), w.Key.Key, clone(w.Value.Value), w.Value.LastOffset))],
        [.. closed.Select(w => new ClosedWindowState<TKey, TValue>(new DateTimeOffset(w.Key.Start, TimeSpan.Zero), w.Key.Key, clone(w.Value.Value), w.Value.Revision))],
        RecordsIn,
        Corrections,
        TooLate);

    /// <summary>Replaces the state with a checkpoint's. The idle timer starts again from now.</summary>
    public void Restore(WindowSnapshot<TKey, TValue> snapshot)
    {
        open.Clear();
        closed.Clear();
        foreach (var w in snapshot.Open)
        {
            open[(w.Start.UtcTicks, w.Key)] = new OpenWindow(clone(w.Value)) { LastOffset = w.LastOffset };
        }

        foreach (var w in snapshot.Closed)
        {
            closed[(w.Start.UtcTicks, w.Key)] = new ClosedWindow(clone(w.Value), w.Revision);
        }

        Watermark = snapshot.Watermark;
        RecordsIn = snapshot.RecordsIn;
        Corrections = snapshot.Corrections;
        TooLate = snapshot.TooLate;
        lastRecordAt = clock.GetUtcNow();
    }

    private sealed class OpenWindow(TValue value)
    {
        public TValue Value { get; } = value;

        public long LastOffset { get; set; }
    }

    private sealed record ClosedWindow(TValue Value, long Revision);
}
