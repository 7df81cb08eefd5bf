using Streaming.Events;
using Streaming.Metrics;
using Streaming.Metrics.Bookings;
using Streaming.Topology.Testing;

namespace Streaming.Topology.Tests;

/// <summary>
/// The input restarts below the checkpoint (a recreated topic, a local Kafka that keeps nothing): the task counts the
/// new log as a new incarnation, so its results, whose revisions are lower, add to the old incarnation's instead of
/// losing to them; and a fresh incarnation survives a crash before its first real checkpoint.
/// </summary>
public sealed class IncarnationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    private static readonly MetricOptions Options = new() { Grace = TimeSpan.FromSeconds(5), CorrectionHorizon = TimeSpan.FromHours(1) };

    [Fact]
    public void After_the_input_restarts_late_events_for_old_minutes_add_to_what_the_old_incarnation_counted()
    {
        var driver = new TopologyTestDriver<AppEvent, BookingSeries, BookingTotals>(BookingsTopology.Define(Options), T0);
        for (var i = 0; i < 10; i++)
        {
            driver.Pipe(Events.Booking("u" + i, "p1", T0.AddSeconds(i)));
        }

        driver.AdvanceTime(TimeSpan.FromMinutes(2)); // idle: the minute closes
        var first = driver.Incarnation(0);
        var checkpoint = driver.Checkpoint(0);

        driver.AdvanceTime(TimeSpan.FromMinutes(3));
        driver.RecreateTopics();
        driver.Restart(0, checkpoint); // the checkpoint says offset 10; the log is empty
        var second = driver.Incarnation(0);
        Assert.NotEqual(first, second);

        driver.Pipe(Events.Booking("v0", "p2", T0.AddMinutes(5))); // current traffic moves the watermark on
        for (var i = 0; i < 3; i++)
        {
            driver.Pipe(Events.Booking("w" + i, "p1", T0.AddSeconds(30 + i))); // late, for the old minute
        }

        driver.AdvanceTime(TimeSpan.FromMinutes(2));
        var p1 = new BookingSeries(ResultDimensions.Product, "p1", "KRW");
        var oldRevision = driver.Results.Where(r => r.Key == p1 && r.Incarnation == first).Max(r => r.Revision);
        var newRevision = driver.Results.Where(r => r.Key == p1 && r.Incarnation == second).Max(r => r.Revision);
        Assert.True(newRevision < oldRevision, "the new log's offsets are lower: by revision alone the correction would lose");
        Assert.Equal(13, ViewsSum(driver, T0, p1));
    }

    [Fact]
    public void A_fresh_incarnation_is_stored_at_once_so_a_crash_before_its_first_checkpoint_resumes_it()
    {
        var driver = new TopologyTestDriver<AppEvent, BookingSeries, BookingTotals>(BookingsTopology.Define(Options), T0);
        var minted = driver.Checkpoint(0); // the incarnation stored when the task started without a checkpoint
        Assert.NotNull(minted);
        var incarnation = driver.Incarnation(0);
        for (var i = 0; i < 5; i++)
        {
            driver.Pipe(Events.Booking("u" + i, "p1", T0.AddSeconds(i)));
        }

        driver.AdvanceTime(TimeSpan.FromMinutes(2));
        driver.Restart(0, minted); // crash: the stored state is the fresh one; the log is replayed from its start
        driver.AdvanceTime(TimeSpan.FromMinutes(2));

        Assert.Equal(incarnation, driver.Incarnation(0));
        Assert.All(driver.Results, r => Assert.Equal(incarnation, r.Incarnation));
        Assert.Equal(5, ViewsSum(driver, T0, new BookingSeries(ResultDimensions.Product, "p1", "KRW")));
    }

    /// <summary>What the views compute: the latest revision of each (partition, incarnation), summed.</summary>
    private static long ViewsSum(TopologyTestDriver<AppEvent, BookingSeries, BookingTotals> driver, DateTimeOffset minute, BookingSeries key) =>
        driver.Results.Where(r => r.WindowStart == minute && r.Key == key)
            .GroupBy(r => (r.Partition, r.Incarnation))
            .Sum(g => g.MaxBy(r => (r.Revision, !r.Provisional))!.Value.Bookings);
}
