namespace Streaming.Windows.Tests;

public sealed class PartitionWindowsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
    private readonly ManualTimeProvider clock = new(T0.AddHours(2));
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
        Assert.Equal((T0, "p1", 1, 2), (result.WindowStart, result.Key, result.Revision, result.Value.Count));
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
    public void A_late_event_within_the_horizon_re_emits_the_corrected_window_with_the_next_revision()
    {
        Add("p1", T0.AddSeconds(1));
        Add("p1", T0.AddSeconds(70)); // closes [10:00, 10:01)
        windows.Advance(emitted);
        Assert.Equal(1, Assert.Single(emitted).Revision);

        emitted.Clear();
        Add("p1", T0.AddSeconds(2));
        var correction = Assert.Single(emitted);
        Assert.Equal((T0, 2, 2L), (correction.WindowStart, correction.Revision, correction.Value.Count));
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
    public void The_safe_offset_is_the_first_record_of_the_oldest_open_window()
    {
        Add("p1", T0.AddSeconds(1));  // offset 0, window 10:00
        Add("p2", T0.AddSeconds(61)); // offset 1, window 10:01
        Assert.Equal(0, windows.SafeOffset(2));

        Add("p2", T0.AddSeconds(66)); // offset 2, closes 10:00
        windows.Advance(emitted);
        Assert.Equal(1, windows.SafeOffset(3));

        clock.Advance(TimeSpan.FromSeconds(5));
        windows.Advance(emitted);
        Assert.Equal(3, windows.SafeOffset(3));
    }

    public sealed class Counter
    {
        public long Count { get; set; }
    }
}
