using Streaming.Events;
using Streaming.Metrics;
using Streaming.Metrics.Bookings;
using Streaming.Metrics.Popularity;
using Streaming.Metrics.ProductEvents;
using Streaming.Topology.Testing;

namespace Streaming.Topology.Tests;

/// <summary>Checkpoints, restarts and repartition re-sends: results stay exact and identities stable.</summary>
public sealed class RestoreAndDedupeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void A_restart_from_any_checkpoint_gives_the_uninterrupted_results(int seed)
    {
        var options = new MetricOptions { Grace = TimeSpan.FromSeconds(5), CorrectionHorizon = TimeSpan.FromHours(1) };
        var input = RandomBookings(seed, 2_000);
        var expected = Run(BookingsTopology.Define(options), input, crashEvery: null);
        var crashed = Run(BookingsTopology.Define(options), input, crashEvery: 137);

        Assert.Equal(expected.OrderBy(kv => kv.Key.ToString()), crashed.OrderBy(kv => kv.Key.ToString()));
    }

    [Fact]
    public void Re_sent_repartitioned_records_are_dropped_and_counted()
    {
        var driver = new TopologyTestDriver<AppEvent, string, PopularityCounts>(
            PopularityTopology.Define(new MetricOptions()), T0, partitions: 3, upstream: ProductEventsTopology.Define(new MetricOptions()));
        for (var i = 0; i < 30; i++)
        {
            driver.Pipe(Events.View("u" + i, "p" + (i % 4), T0.AddSeconds(i)), partition: i % 3);
        }

        driver.ResendFromSource(sourcePartition: 1, fromOffset: 2); // a repartitioner restarted from an old commit
        driver.AdvanceTime(TimeSpan.FromMinutes(3)); // every partition idle: all windows close
        var duplicates = Enumerable.Range(0, 3).Sum(p => driver.Counters(p).Duplicates);
        Assert.Equal(8, duplicates); // source partition 1 holds 10 records; offsets 2..9 were sent twice

        var views = driver.Results.Where(r => r.WindowStart == T0 && !r.Provisional).Sum(r => r.Value.Views);
        Assert.Equal(30, views);
    }

    /// <summary>Runs the input through one partition, crashing every n records: restart from the last checkpoint taken
    /// every 50 records. Returns the latest revision per (window, key) and checks no identity carries two values.</summary>
    private static Dictionary<(DateTimeOffset, BookingSeries), (long, long, long, long)> Run(
        WindowedTopology<AppEvent, BookingSeries, BookingTotals> topology, List<AppEvent> input, int? crashEvery)
    {
        var driver = new TopologyTestDriver<AppEvent, BookingSeries, BookingTotals>(topology, T0);
        byte[]? checkpoint = null;
        for (var i = 0; i < input.Count; i++)
        {
            driver.Pipe(input[i]);
            if (i % 50 == 49)
            {
                checkpoint = driver.Checkpoint(0);
            }

            if (crashEvery is { } n && i % n == n - 1)
            {
                driver.Restart(0, checkpoint);
            }
        }

        driver.AdvanceTime(TimeSpan.FromHours(1));
        var identities = driver.Results.GroupBy(r => (r.WindowStart, r.Key, r.Revision))
            .Where(g => g.Select(r => (r.Value.Bookings, r.Value.Cancellations, r.Value.RevenueMinor)).Distinct().Count() > 1);
        var conflicts = identities.Select(g => string.Join("; ", g.Select(r => $"{r.Key} rev {r.Revision} {r.Value.Bookings}/{r.Value.Cancellations}/{r.Value.RevenueMinor}"))).ToList();
        Assert.True(conflicts.Count == 0, string.Join("\n", conflicts.Take(3)));
        return driver.Results.GroupBy(r => (r.WindowStart, r.Key))
            .ToDictionary(g => g.Key, g =>
            {
                var latest = g.MaxBy(r => r.Revision)!.Value;
                return (latest.Bookings, latest.Cancellations, latest.RevenueMinor, latest.CancelledRevenueMinor);
            });
    }

    private static List<AppEvent> RandomBookings(int seed, int count)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            // Jittered by up to 90 s: some events arrive after their window closed and correct it.
            var at = T0.AddMilliseconds((i * 300) - random.Next(0, 90_000) + 90_000);
            var product = "p" + random.Next(6);
            return random.Next(5) == 0
                ? Events.Cancellation("u" + random.Next(50), product, at, amount: random.Next(1, 100) * 100)
                : Events.Booking("u" + random.Next(50), product, at, amount: random.Next(1, 100) * 100, city: random.Next(2) == 0 ? "Seoul" : "Tokyo");
        })];
    }
}
