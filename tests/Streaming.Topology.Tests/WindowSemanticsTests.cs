using Streaming.Events;
using Streaming.Metrics;
using Streaming.Metrics.Popularity;
using Streaming.Metrics.ProductEvents;
using Streaming.Topology.Testing;

namespace Streaming.Topology.Tests;

/// <summary>The runtime's window semantics, through the broker-free driver and the popularity topology (count per product).</summary>
public sealed class WindowSemanticsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    private static readonly MetricOptions Options = new()
    {
        Grace = TimeSpan.FromSeconds(5),
        IdleTimeout = TimeSpan.FromSeconds(2),
        CorrectionHorizon = TimeSpan.FromMinutes(10),
    };

    private readonly TopologyTestDriver<AppEvent, string, PopularityCounts> driver =
        new(PopularityTopology.Define(Options), start: T0.AddSeconds(1), upstream: ProductEventsTopology.Define(Options));

    private List<TopologyResult<string, PopularityCounts>> Final(string product) =>
        [.. driver.Results.Where(r => r.Key == product && !r.Provisional)];

    [Fact]
    public void An_event_at_the_last_tick_of_a_minute_counts_in_that_minute_and_one_at_the_boundary_in_the_next()
    {
        driver.Pipe(Events.View("u1", "p1", T0.AddMinutes(1).AddTicks(-1)));
        driver.Pipe(Events.View("u1", "p1", T0.AddMinutes(1)));
        driver.Pipe(Events.View("u1", "p1", T0.AddMinutes(2).AddSeconds(6))); // watermark passes 10:02:00

        var results = Final("p1");
        Assert.Equal([(T0, 1L), (T0.AddMinutes(1), 1L)], results.Select(r => (r.WindowStart, r.Value.Views)));
    }

    [Fact]
    public void A_window_stays_open_for_the_grace_and_counts_out_of_order_events_within_it()
    {
        driver.Pipe(Events.View("u1", "p1", T0.AddSeconds(30)));
        driver.Pipe(Events.View("u1", "p1", T0.AddSeconds(64))); // watermark 10:00:59
        driver.Pipe(Events.View("u1", "p1", T0.AddSeconds(58))); // out of order, window still open
        Assert.Empty(Final("p1"));

        driver.Pipe(Events.View("u1", "p1", T0.AddSeconds(65))); // watermark 10:01:00: closes 10:00
        var closed = Assert.Single(Final("p1"));
        Assert.Equal((T0, 2L, 3L), (closed.WindowStart, closed.Value.Views, closed.Revision)); // one past the last offset counted (2)
    }

    [Fact]
    public void A_late_event_within_the_horizon_re_emits_the_window_with_a_higher_revision()
    {
        driver.Pipe(Events.View("u1", "p1", T0.AddSeconds(10)));
        driver.Pipe(Events.View("u1", "p1", T0.AddMinutes(3)));
        var first = Assert.Single(Final("p1"), r => r.WindowStart == T0);

        driver.Pipe(Events.View("u2", "p1", T0.AddSeconds(20))); // 2m40s late: a correction
        var corrected = Final("p1").Where(r => r.WindowStart == T0).ToList();
        Assert.Equal(2, corrected.Count);
        Assert.Equal(2, corrected[1].Value.Views);
        Assert.True(corrected[1].Revision > first.Revision);
        Assert.Equal(1, first.Value.Views); // emitted values are copies: the correction did not change the first result
        Assert.Equal(1, driver.Counters(0).Corrections);
        Assert.Empty(driver.LateRecords);
    }

    [Fact]
    public void An_event_beyond_the_correction_horizon_goes_to_the_late_topic_and_is_counted()
    {
        driver.Pipe(Events.View("u1", "p1", T0.AddMinutes(30)));
        driver.Pipe(Events.View("u1", "p1", T0.AddSeconds(5))); // 30 minutes late, horizon is 10
        Assert.Single(driver.LateRecords);
        Assert.Equal(1, driver.Counters(0).TooLate);
        Assert.DoesNotContain(driver.Results, r => r.WindowStart == T0);
    }

    [Fact]
    public void An_idle_partition_closes_its_windows_with_the_wall_clock()
    {
        driver.Pipe(Events.View("u1", "p1", T0.AddSeconds(10)));
        driver.AdvanceTime(TimeSpan.FromSeconds(30));
        Assert.Empty(Final("p1")); // 10:00:31 on the wall clock: the window has not ended

        driver.AdvanceTime(TimeSpan.FromSeconds(40)); // 10:01:11, idle for more than 2 s: watermark 10:01:06
        var closed = Assert.Single(Final("p1"));
        Assert.Equal(1, closed.Value.Views);
    }

    [Fact]
    public void Provisional_updates_show_open_windows_and_the_final_result_replaces_them()
    {
        var live = new TopologyTestDriver<AppEvent, string, PopularityCounts>(
            PopularityTopology.Define(new MetricOptions { ProvisionalInterval = TimeSpan.FromSeconds(5) }), start: T0, upstream: ProductEventsTopology.Define(new MetricOptions()));
        live.Pipe(Events.View("u1", "p1", T0.AddSeconds(1)));
        live.AdvanceTime(TimeSpan.FromSeconds(5));
        live.Pipe(Events.View("u2", "p1", T0.AddSeconds(6)));
        live.AdvanceTime(TimeSpan.FromSeconds(5));
        live.AdvanceTime(TimeSpan.FromSeconds(5)); // nothing changed: no new provisional

        var provisional = live.Results.Where(r => r.Provisional).ToList();
        Assert.Equal([1L, 2L], provisional.Select(r => r.Value.Views));

        live.AdvanceTime(TimeSpan.FromSeconds(60)); // idle: the window closes
        var final = Assert.Single(live.Results, r => !r.Provisional);
        Assert.Equal(2, final.Value.Views);
        Assert.True(final.Revision >= provisional[^1].Revision);
    }

    [Fact]
    public void An_unreadable_record_goes_to_the_dead_letter_topic_with_the_reason()
    {
        driver.PipeBytes("{\"not\": \"an event\""u8.ToArray());
        var reason = Assert.Single(driver.DeadLetters);
        Assert.Contains("AppEvent", reason, StringComparison.Ordinal);
    }
}
