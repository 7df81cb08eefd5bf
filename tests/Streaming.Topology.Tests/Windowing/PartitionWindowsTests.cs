using Microsoft.Extensions.Time.Testing;
using Streaming.Topology.Windowing;

namespace Streaming.Topology.Tests.Windowing;

public sealed class PartitionWindowsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider clock = new(T0.AddHours(2));
    private readonly List<WindowResult<string, Counter>> emitted = [];
    private readonly PartitionWindows<string, Counter> windows;
    private long offset;

    public PartitionWindowsTests()
    {
        var options = new TumblingWindowOptions
        {
            Size = TimeSpan.FromMinutes(1),
            Grace = TimeSpan.FromSeconds(5),
            IdleTimeout = TimeSpan.FromSeconds(2),
            CorrectionHorizon = TimeSpan.FromMinutes(10),
        };
        windows = new PartitionWindows<string, Counter>(options, () => new Counter(), c => new Counter { Count = c.Count }, clock);
    }

    private void Add(string key, DateTimeOffset at) => windows.Add(key, at, offset++, c => c.Count++, emitted);

    [Fact]
    public void Windows_are_aligned_whole_minutes_including_their_start_and_excluding_their_end()
    {
        Assert.Equal(T0, windows.WindowStartOf(T0));
        Assert.Equal(T0, windows.WindowStartOf(T0.AddSeconds(59.999)));
        Assert.Equal(T0.AddMinutes(1), windows.WindowStartOf(T0.AddMinutes(1)));
        Assert.Equal(T0.AddMinutes(-1), windows.WindowStartOf(T0.AddTicks(-1)));
    }

    [Fact]
    public void A_window_closes_when_the_watermark_passes_its_end_plus_grace()
    {
        Add("p1", T0.AddSeconds(10));
        Add("p1", T0.AddSeconds(50));
        Add("p1", T0.AddSeconds(64)); // watermark 10:00:59: the first window is still open
        windows.Advance(emitted);
        Assert.Empty(emitted);

        Add("p2", T0.AddSeconds(65)); // watermark 10:01:00 = end of the first window
        windows.Advance(emitted);
        var result = Assert.Single(emitted);
        // Revision = one past the offset of the last record reflected (offset 1).
        Assert.Equal((T0, "p1", 2L, 2L), (result.WindowStart, result.Key, result.Revision, result.Value.Count));
    }

    [Fact]
    public void Out_of_order_events_within_grace_count_in_their_own_window()
    {
        Add("p1", T0.AddSeconds(62));
        Add("p1", T0.AddSeconds(58)); // earlier, but the watermark (10:00:57) has not passed 10:01:00
        Add("p1", T0.AddSeconds(130));
        windows.Advance(emitted);
        Assert.Equal([(T0, 1L), (T0.AddMinutes(1), 1L)], emitted.Select(r => (r.WindowStart, r.Value.Count)).Order().ToList());
    }

    [Fact]
    public void A_record_for_a_window_the_watermark_passed_but_not_yet_emitted_joins_the_open_window()
    {
        Add("p1", T0.AddSeconds(10));
        Add("p1", T0.AddSeconds(90)); // watermark 10:01:25 passed the first window; Advance has not run yet
        Add("p1", T0.AddSeconds(20)); // must join the first window, not start a correction from zero
        windows.Advance(emitted);
        var first = Assert.Single(emitted, r => r.WindowStart == T0);
        Assert.Equal((2L, 3L), (first.Value.Count, first.Revision));
        Assert.Equal(0, windows.Corrections);
    }

    [Fact]
    public void Global_series_get_explicit_zeros_for_every_closed_window_from_the_first_one_seen()
    {
        var zeros = new PartitionWindows<string, Counter>(new TumblingWindowOptions(), () => new Counter(), c => new Counter { Count = c.Count }, clock, ["all"]);
        zeros.Add("all", T0.AddSeconds(10), 0, c => c.Count++, emitted);
        zeros.Add("other", T0.AddMinutes(3).AddSeconds(10), 1, c => c.Count++, emitted); // minutes 1 and 2 are empty
        zeros.Advance(emitted);
        var all = emitted.Where(r => r.Key == "all").OrderBy(r => r.WindowStart).Select(r => (r.WindowStart, r.Value.Count)).ToList();
        Assert.Equal([(T0, 1L), (T0.AddMinutes(1), 0L), (T0.AddMinutes(2), 0L)], all);

        var snapshot = zeros.Snapshot();
        var restored = new PartitionWindows<string, Counter>(new TumblingWindowOptions(), () => new Counter(), c => new Counter { Count = c.Count }, clock, ["all"]);
        restored.Restore(snapshot);
        emitted.Clear();
        restored.Advance(emitted);
        Assert.Empty(emitted); // zeros already emitted are not emitted again after a restore
    }

    [Fact]
    public void An_idle_partition_closes_its_windows_from_the_wall_clock()
    {
        Add("p1", T0.AddSeconds(1)); // two hours in the past
        windows.Advance(emitted);
        Assert.Empty(emitted);

        clock.Advance(TimeSpan.FromSeconds(2));
        windows.Advance(emitted);
        Assert.Equal(1, Assert.Single(emitted).Value.Count);
        Assert.Equal(0, windows.OpenWindowCount);
    }

    [Fact]
    public void A_late_event_within_the_horizon_re_emits_the_corrected_window_with_a_higher_revision()
    {
        Add("p1", T0.AddSeconds(1));  // offset 0
        Add("p1", T0.AddSeconds(70)); // offset 1, closes [10:00, 10:01)
        windows.Advance(emitted);
        Assert.Equal(1, Assert.Single(emitted).Revision);

        emitted.Clear();
        Add("p1", T0.AddSeconds(2));  // offset 2
        var correction = Assert.Single(emitted);
        Assert.Equal((T0, 3L, 2L), (correction.WindowStart, correction.Revision, correction.Value.Count));
        Assert.Equal(1, windows.Corrections);
    }

    [Fact]
    public void Emitted_values_do_not_change_when_the_window_is_corrected_later()
    {
        Add("p1", T0.AddSeconds(1));
        Add("p1", T0.AddSeconds(70));
        windows.Advance(emitted);
        var first = emitted[0];
        Add("p1", T0.AddSeconds(3));
        Assert.Equal(1, first.Value.Count);
    }

    [Fact]
    public void An_event_beyond_the_correction_horizon_is_counted_as_too_late_and_emits_nothing()
    {
        Add("p1", T0.AddMinutes(30));
        windows.Advance(emitted);
        Add("p1", T0.AddSeconds(1));
        Assert.Empty(emitted);
        Assert.Equal(1, windows.TooLate);
    }

    [Fact]
    public void A_restored_snapshot_continues_exactly_where_the_state_was_taken()
    {
        Add("p1", T0.AddSeconds(1));
        Add("p1", T0.AddSeconds(70)); // closes 10:00 (revision 1)
        windows.Advance(emitted);
        Add("p2", T0.AddSeconds(80)); // open in 10:01
        var snapshot = windows.Snapshot();

        var restored = new PartitionWindows<string, Counter>(
            new TumblingWindowOptions { IdleTimeout = TimeSpan.FromSeconds(2), CorrectionHorizon = TimeSpan.FromMinutes(10) },
            () => new Counter(), c => new Counter { Count = c.Count }, clock);
        restored.Restore(snapshot);
        Assert.Equal(windows.Watermark, restored.Watermark);
        Assert.Equal(2, restored.OpenWindowCount);

        var after = new List<WindowResult<string, Counter>>();
        restored.Add("p1", T0.AddSeconds(5), 3, c => c.Count++, after); // a correction of the closed window
        Assert.Equal((T0, 4L, 2L), (after[0].WindowStart, after[0].Revision, after[0].Value.Count));
    }

    public sealed class Counter
    {
        public long Count { get; set; }
    }
}
