using Streaming.Events;
using Streaming.Metrics;
using Streaming.Metrics.ConcurrentUsers;
using Streaming.Metrics.Popularity;
using Streaming.Metrics.ProductEvents;
using Streaming.Topology.Testing;

namespace Streaming.Topology.Tests;

/// <summary>The aggregator's metric topologies against ground truth computed directly from the input.</summary>
public sealed class MetricTopologyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Concurrent_users_partials_over_partitions_add_up_to_distinct_users_and_empty_minutes_are_zeros()
    {
        var driver = new TopologyTestDriver<AppEvent, UserSeries, HashSet<string>>(ConcurrentUsersTopology.Define(new MetricOptions()), T0, partitions: 3);
        var random = new Random(5);
        var input = new List<(AppEvent Event, int Partition)>();
        foreach (var minute in new[] { 0, 1, 3 }) // minute 2 is empty
        {
            for (var i = 0; i < 200; i++)
            {
                var user = random.Next(60);
                var platform = user % 3 == 0 ? "android" : "ios";
                input.Add((Events.Of(EventTypes.PageView, "u" + user, T0.AddMinutes(minute).AddSeconds(random.Next(60)), platform: platform), user % 3));
            }
        }

        foreach (var (e, partition) in input)
        {
            driver.Pipe(e, partition); // keyed by user: one user's events are in one partition
        }

        driver.AdvanceTime(TimeSpan.FromMinutes(6));
        var totals = driver.Results.Where(r => r.Key.Dimension == ResultDimensions.All)
            .GroupBy(r => r.WindowStart).ToDictionary(g => g.Key, g => g.Sum(r => (long)r.Value.Count));
        foreach (var minute in new[] { 0, 1, 3 })
        {
            var start = T0.AddMinutes(minute);
            var expected = input.Where(x => x.Event.OccurredAt >= start && x.Event.OccurredAt < start.AddMinutes(1)).Select(x => x.Event.UserId).Distinct().Count();
            Assert.Equal(expected, totals[start]);
        }

        Assert.Equal(0, totals[T0.AddMinutes(2)]);
        Assert.All(Enumerable.Range(0, 3), p => Assert.Contains(driver.Results, r =>
            r.Partition == p && r.WindowStart == T0.AddMinutes(2) && r.Key == new UserSeries(ResultDimensions.Platform, "web") && r.Value.Count == 0));
    }

    [Fact]
    public void Popularity_score_uses_the_configured_weights()
    {
        var options = new MetricOptions { ViewWeight = 1, WishlistWeight = 3, BookingWeight = 10 };
        var topology = PopularityTopology.Define(options);
        var driver = new TopologyTestDriver<AppEvent, string, PopularityCounts>(topology, T0, upstream: ProductEventsTopology.Define(options));
        driver.Pipe(Events.View("u1", "p1", T0.AddSeconds(1)));
        driver.Pipe(Events.View("u2", "p1", T0.AddSeconds(2)));
        driver.Pipe(Events.Of(EventTypes.WishlistAdd, "u1", T0.AddSeconds(3), "p1"));
        driver.Pipe(Events.Booking("u1", "p1", T0.AddSeconds(4)));
        driver.Pipe(Events.Cancellation("u1", "p1", T0.AddSeconds(5))); // not part of popularity
        driver.AdvanceTime(TimeSpan.FromMinutes(2));

        var result = Assert.Single(driver.Results);
        var written = System.Text.Json.JsonSerializer.Deserialize(topology.Write(result).Value, PopularityJson.Default.ProductPopularityPerMinute)!;
        Assert.Equal((2L, 1L, 1L, 15.0), (written.Views, written.Wishlists, written.Bookings, written.Score));
    }
}
