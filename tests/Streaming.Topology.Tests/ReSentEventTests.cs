using Streaming.Events;
using Streaming.Metrics;
using Streaming.Metrics.Bookings;
using Streaming.Metrics.ConcurrentUsers;
using Streaming.Metrics.Popularity;
using Streaming.Metrics.ProductEvents;
using Streaming.Topology.Processing;
using Streaming.Topology.Testing;

namespace Streaming.Topology.Tests;

/// <summary>
/// Events re-sent by clients (same user and event id, posted again: ingest stamps a new received_at) are counted
/// once by every metric; a copy with other content is dead-lettered and the first copy counts.
/// </summary>
public sealed class ReSentEventTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_same_batch_twice_counts_once_in_bookings()
    {
        var batch = Bookings(seed: 1, count: 300);
        var once = Latest(RunBookings(batch));
        var driver = NewBookings();
        Pipe(driver, batch);
        Pipe(driver, batch.Select(Repost));
        driver.AdvanceTime(TimeSpan.FromMinutes(10));

        Assert.Equal(once, Latest(driver.Results));
        Assert.Equal(300, driver.Counters(0).ReSent);
        Assert.Empty(driver.DeadLetters);
    }

    [Fact]
    public void Partially_overlapping_batches_count_each_event_once()
    {
        var events = Bookings(seed: 2, count: 400);
        var driver = NewBookings();
        // A client retries with the tail of what it sent and more: [0, 250), [150, 400), then [100, 200) again.
        Pipe(driver, events.Take(250));
        Pipe(driver, events.Skip(150).Select(Repost));
        Pipe(driver, events.Skip(100).Take(100).Select(Repost));
        driver.AdvanceTime(TimeSpan.FromMinutes(10));

        Assert.Equal(Latest(RunBookings(events)), Latest(driver.Results));
        Assert.Equal(100 + 100, driver.Counters(0).ReSent);
    }

    [Fact]
    public void Re_sent_events_after_a_restore_are_recognised_from_the_checkpoint()
    {
        var events = Bookings(seed: 3, count: 200);
        var driver = NewBookings();
        Pipe(driver, events.Take(120));
        var checkpoint = driver.Checkpoint(0);
        Pipe(driver, events.Skip(120)); // counted after the checkpoint: replayed by the restart below
        driver.Restart(0, checkpoint); // a crash: restore, then replay from the checkpoint's offset
        Pipe(driver, events.Select(Repost)); // and the client re-posts all of it
        driver.AdvanceTime(TimeSpan.FromMinutes(10));

        Assert.Equal(Latest(RunBookings(events)), Latest(driver.Results));
        Assert.Equal(200, driver.Counters(0).ReSent);
        Assert.Equal(200, driver.Counters(0).EventIds);
    }

    [Fact]
    public void Each_checkpoint_stores_only_the_identities_new_since_the_previous_one_and_drops_them_past_the_horizon()
    {
        var options = new MetricOptions { CorrectionHorizon = TimeSpan.FromMinutes(5) };
        var driver = new TopologyTestDriver<AppEvent, BookingSeries, BookingTotals>(BookingsTopology.Define(options), T0);
        var batches = Enumerable.Range(0, 4)
            .Select(minute => Enumerable.Range(0, 25 + minute).Select(i => Events.Booking("u" + i, "p1", T0.AddMinutes(minute).AddSeconds(i))).ToList())
            .ToList();
        byte[]? checkpoint = null;
        foreach (var batch in batches)
        {
            Pipe(driver, batch);
            checkpoint = driver.Checkpoint(0);
        }

        // One segment per checkpoint that remembered new identities (the stage's own first checkpoint, at its first
        // tick, holds the first event), each identity in exactly one: 16 bytes each.
        var segments = CheckpointContainer.Unpack(checkpoint!).Segments;
        Assert.Equal(5, segments.Count);
        Assert.Equal(batches.Sum(b => b.Count) * 16, segments.Values.Sum(s => s.Length));

        driver.Restart(0, checkpoint);
        Pipe(driver, batches.SelectMany(b => b).Select(Repost));
        Assert.Equal(batches.Sum(b => b.Count), driver.Counters(0).ReSent);

        // Ten minutes on, every segment is past the horizon: the next checkpoint drops them.
        driver.Pipe(Events.Booking("u1", "p1", T0.AddMinutes(14)));
        segments = CheckpointContainer.Unpack(driver.Checkpoint(0)!).Segments;
        Assert.Equal([16], segments.Values.Select(s => s.Length));
    }

    [Fact]
    public void A_checkpoint_whose_identity_segment_is_gone_restores_without_it_instead_of_stopping_the_task()
    {
        // The chaos campaign's finding: the local Kafka keeps the newest 5 MiB of a partition, so a segment written once
        // an hour ago may be gone while the state that names it is not; every restore then threw and the aggregator
        // restarted in a loop.
        var driver = new TopologyTestDriver<AppEvent, BookingSeries, BookingTotals>(BookingsTopology.Define(new MetricOptions()), T0);
        var first = Enumerable.Range(0, 20).Select(i => Events.Booking("u" + i, "p1", T0.AddSeconds(i))).ToList();
        var second = Enumerable.Range(20, 30).Select(i => Events.Booking("u" + i, "p1", T0.AddSeconds(i))).ToList();
        Pipe(driver, first);
        var (state, segments) = CheckpointContainer.Unpack(driver.Checkpoint(0)!);
        var firstSegments = segments.Keys.ToHashSet();
        Pipe(driver, second);
        (state, segments) = CheckpointContainer.Unpack(driver.Checkpoint(0)!);
        Assert.True(segments.Count > firstSegments.Count);
        foreach (var gone in firstSegments)
        {
            segments.Remove(gone);
        }

        driver.Restart(0, CheckpointContainer.Pack(state.Span, segments));

        // The later identities are still known: their re-sends are dropped. The forgotten ones count again.
        Pipe(driver, second.Concat(first).Select(Repost));
        Assert.Equal(second.Count, driver.Counters(0).ReSent);
        Assert.Equal(first.Count + second.Count, driver.Counters(0).EventIds); // the forgotten ones remembered again
    }

    [Fact]
    public void A_re_send_with_other_content_is_dead_lettered_and_the_first_copy_counts()
    {
        var driver = NewBookings();
        var first = Events.Booking("u1", "p1", T0.AddSeconds(10), amount: 1_000);
        driver.Pipe(first);
        driver.Pipe(Repost(first) with { Amount = 5_000 }); // same user and id, another amount
        driver.Pipe(Repost(first) with { OccurredAt = T0.AddMinutes(3) }); // another minute: still the same event
        driver.Pipe(Repost(first) with { UserId = "u2" }); // another user's event that happens to share the id
        driver.AdvanceTime(TimeSpan.FromMinutes(10));

        Assert.Equal(2, driver.DeadLetters.Count);
        Assert.All(driver.DeadLetters, reason => Assert.Contains("different content", reason, StringComparison.Ordinal));
        var products = Latest(driver.Results).Where(r => r.Key.Series.Dimension == ResultDimensions.Product).ToList();
        Assert.Equal(new[] { (T0, 2L, 2_000L) }, products.Select(r => (r.Key.Start, r.Value.Bookings, r.Value.Revenue)));
        Assert.Equal(2, driver.Counters(0).ReSent);
    }

    [Fact]
    public void Concurrent_users_keep_the_first_copy_when_a_re_send_names_another_platform()
    {
        var driver = new TopologyTestDriver<AppEvent, UserSeries, HashSet<string>>(ConcurrentUsersTopology.Define(new MetricOptions()), T0);
        var open = Events.Of(EventTypes.AppOpen, "u1", T0.AddSeconds(5), platform: "ios");
        driver.Pipe(open);
        driver.Pipe(Repost(open) with { Platform = "android" });
        driver.AdvanceTime(TimeSpan.FromMinutes(2));

        var users = driver.Results.Where(r => r.WindowStart == T0 && !r.Provisional).ToDictionary(r => r.Key, r => r.Value.Count);
        Assert.Equal(1, users[new UserSeries(ResultDimensions.Platform, "ios")]);
        Assert.Equal(0, users[new UserSeries(ResultDimensions.Platform, "android")]);
        Assert.Single(driver.DeadLetters);
    }

    [Fact]
    public void Identities_are_forgotten_past_the_horizon_where_a_re_send_is_too_late_anyway()
    {
        var options = new MetricOptions { CorrectionHorizon = TimeSpan.FromMinutes(2) };
        var driver = new TopologyTestDriver<AppEvent, BookingSeries, BookingTotals>(BookingsTopology.Define(options), T0);
        var old = Events.Booking("u1", "p1", T0.AddSeconds(10));
        driver.Pipe(old);
        for (var minute = 1; minute <= 6; minute++)
        {
            driver.Pipe(Events.Booking("u" + minute, "p2", T0.AddMinutes(minute)));
        }

        // The watermark is past T0's window end plus the horizon: the copy goes to the late topic, not counted.
        driver.Pipe(Repost(old));
        Assert.Single(driver.LateRecords);
        Assert.Equal(0, driver.Counters(0).ReSent);

        // The checkpoint keeps only identities within the horizon at the watermark (10:05:55): the windows of minutes 3
        // to 6 (minute 3 ended at 10:04, plus the horizon: 10:06); minutes 0 to 2 are forgotten.
        Assert.Equal(7, driver.Counters(0).EventIds);
        driver.Restart(0, driver.Checkpoint(0));
        Assert.Equal(4, driver.Counters(0).EventIds);
    }

    [Fact]
    public void Popularity_drops_re_sent_events_after_the_repartition_though_their_source_positions_are_new()
    {
        var driver = new TopologyTestDriver<AppEvent, string, PopularityCounts>(PopularityTopology.Define(new MetricOptions()), T0, partitions: 3, upstream: ProductEventsTopology.Define(new MetricOptions()));
        var events = Enumerable.Range(0, 90).Select(i => (Event: Events.View("u" + (i % 12), "p" + (i % 5), T0.AddSeconds(i % 50)), Partition: i % 12 % 3)).ToList();
        foreach (var (e, partition) in events)
        {
            driver.Pipe(e, partition); // keyed by user
        }

        foreach (var (e, partition) in events.Take(60))
        {
            driver.Pipe(Repost(e), partition); // posted again: new records, new source positions
        }

        foreach (var (e, _) in events.Skip(80))
        {
            driver.Pipe(Repost(e), (events.Count + 1) % 3); // even from another source partition: same product, same task
        }

        driver.AdvanceTime(TimeSpan.FromMinutes(3));
        var views = driver.Results.Where(r => !r.Provisional).GroupBy(r => (r.WindowStart, r.Key))
            .ToDictionary(g => g.Key, g => g.MaxBy(r => r.Revision)!.Value.Views);
        Assert.Equal(events.GroupBy(x => x.Event.ProductId!).ToDictionary(g => (T0, g.Key), g => (long)g.Count()), views);
        Assert.Equal(70, Enumerable.Range(0, 3).Sum(p => driver.Counters(p).ReSent));
        Assert.Equal(0, Enumerable.Range(0, 3).Sum(p => driver.Counters(p).Duplicates)); // none were repartitioner re-sends
    }

    [Fact]
    public void Repartitioner_re_sends_and_client_re_sends_together_count_once()
    {
        var driver = new TopologyTestDriver<AppEvent, string, PopularityCounts>(PopularityTopology.Define(new MetricOptions()), T0, partitions: 2, upstream: ProductEventsTopology.Define(new MetricOptions()));
        var events = Enumerable.Range(0, 40).Select(i => Events.View("u" + i, "p" + (i % 3), T0.AddSeconds(i))).ToList();
        foreach (var e in events)
        {
            driver.Pipe(e, 0);
        }

        foreach (var e in events)
        {
            driver.Pipe(Repost(e), 0);
        }

        driver.ResendFromSource(sourcePartition: 0, fromOffset: 30); // 10 originals and 40 copies routed again
        driver.AdvanceTime(TimeSpan.FromMinutes(3));

        Assert.Equal(40, driver.Results.Where(r => !r.Provisional).GroupBy(r => r.Key).Sum(g => g.MaxBy(r => r.Revision)!.Value.Views));
        Assert.Equal(50, Enumerable.Range(0, 2).Sum(p => driver.Counters(p).Duplicates));
        Assert.Equal(40, Enumerable.Range(0, 2).Sum(p => driver.Counters(p).ReSent));
    }

    /// <summary>What ingest makes of a re-posted event: the same event, received later.</summary>
    private static AppEvent Repost(AppEvent e) => e with { ReceivedAt = e.ReceivedAt.AddSeconds(7) };

    private static TopologyTestDriver<AppEvent, BookingSeries, BookingTotals> NewBookings() =>
        new(BookingsTopology.Define(new MetricOptions()), T0);

    private static List<TopologyResult<BookingSeries, BookingTotals>> RunBookings(IEnumerable<AppEvent> events)
    {
        var driver = NewBookings();
        Pipe(driver, events);
        driver.AdvanceTime(TimeSpan.FromMinutes(10));
        return driver.Results;
    }

    private static void Pipe<TKey, TValue>(TopologyTestDriver<AppEvent, TKey, TValue> driver, IEnumerable<AppEvent> events)
        where TKey : notnull
    {
        foreach (var e in events)
        {
            driver.Pipe(e);
        }
    }

    /// <summary>The latest final value of every (window, series), as the views compute it, in a stable order.</summary>
    private static List<((DateTimeOffset Start, BookingSeries Series) Key, (long Bookings, long Revenue, long Cancellations) Value)> Latest(
        IEnumerable<TopologyResult<BookingSeries, BookingTotals>> results) =>
        [.. results.Where(r => !r.Provisional).GroupBy(r => (r.WindowStart, r.Key))
            .Select(g => (g.Key, g.MaxBy(r => r.Revision)!.Value))
            .Select(x => (x.Key, (x.Value.Bookings, x.Value.RevenueMinor, x.Value.Cancellations)))
            .OrderBy(x => x.Key.WindowStart).ThenBy(x => x.Key.Key.ToString(), StringComparer.Ordinal)];

    private static List<AppEvent> Bookings(int seed, int count)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var at = T0.AddMilliseconds((i * 1_000) - random.Next(0, 30_000) + 30_000); // some late, within the horizon
            var product = "p" + random.Next(5);
            return random.Next(6) == 0
                ? Events.Cancellation("u" + random.Next(40), product, at, amount: random.Next(1, 50) * 100)
                : Events.Booking("u" + random.Next(40), product, at, amount: random.Next(1, 50) * 100, city: random.Next(2) == 0 ? "Seoul" : "Busan");
        })];
    }
}
