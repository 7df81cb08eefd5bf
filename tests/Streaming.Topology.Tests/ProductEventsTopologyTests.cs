using System.Text;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.Metrics;
using Streaming.Metrics.Popularity;
using Streaming.Metrics.ProductEvents;
using Streaming.Topology.Testing;

namespace Streaming.Topology.Tests;

/// <summary>The product-events stage: exactly the events about a product, keyed by it; popularity counts from its output.</summary>
public sealed class ProductEventsTopologyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Carries_views_wishlists_bookings_and_cancellations_keyed_by_product_and_nothing_else()
    {
        var stage = ProductEventsTopology.Define(new MetricOptions());
        Assert.Equal(Topics.Events, stage.Source.Topic);
        Assert.Equal(Topics.ProductEvents, stage.OutputTopic);
        var driver = new RepartitionTestDriver<AppEvent>(stage);
        var input = new List<AppEvent>
        {
            Events.Of(EventTypes.AppOpen, "u1", T0),
            Events.View("u1", "p1", T0.AddSeconds(1)),
            Events.Of(EventTypes.PageView, "u1", T0.AddSeconds(2)),
            Events.Of(EventTypes.Search, "u2", T0.AddSeconds(3)),
            Events.Of(EventTypes.WishlistAdd, "u2", T0.AddSeconds(4), product: "p2"),
            Events.Booking("u3", "p1", T0.AddSeconds(5)),
            Events.Of(EventTypes.SessionHeartbeat, "u3", T0.AddSeconds(6)),
            Events.Cancellation("u3", "p1", T0.AddSeconds(7)),
            Events.Of(EventTypes.PageView, "u4", T0.AddSeconds(8), product: "p3"), // a stray product id on a non-product type
            Events.View("u4", "p3", T0.AddSeconds(9)),
        };
        for (var i = 0; i < input.Count; i++)
        {
            driver.Pipe(input[i], partition: i % 2);
        }

        var expected = input.Where(e => EventTypes.WithProduct.Contains(e.Type)).ToList();
        Assert.Equal(5, expected.Count);
        // The stage forwards each record's bytes as they came (it reads only what routes them): read back in full.
        var sent = driver.Sent.Select(r => (r.Key, Event: AppEventReader.TryRead(r.Value, out var e, out var reason) ? e : throw new InvalidOperationException(reason))).ToList();
        Assert.Equal(expected, sent.Select(s => s.Event));
        Assert.Equal(expected.Select(e => e.EventId), sent.Select(s => s.Event.EventId));
        Assert.All(sent, s => Assert.Equal(s.Event.ProductId, s.Key));
        Assert.Equal(
            [EventTypes.ProductView, EventTypes.WishlistAdd, EventTypes.BookingConfirmed, EventTypes.BookingCancelled, EventTypes.ProductView],
            sent.Select(s => s.Event.Type));

        // Each record carries the position it came from, for the readers to drop re-sends, and its event time.
        var positions = input.Select((e, i) => (e.EventId, Position: new SourcePosition(i % 2, i / 2))).ToDictionary(x => x.EventId, x => x.Position);
        Assert.All(driver.Sent.Zip(sent), x => Assert.Equal(positions[x.Second.Event.EventId], x.First.Source));
        Assert.All(driver.Sent.Zip(sent), x => Assert.Equal(x.Second.Event.OccurredAt, x.First.EventTime));
        Assert.Empty(driver.DeadLetters);
    }

    [Fact]
    public void An_unreadable_event_goes_to_the_dead_letters_with_its_reason()
    {
        var driver = new RepartitionTestDriver<AppEvent>(ProductEventsTopology.Define(new MetricOptions()));
        driver.PipeBytes(Encoding.UTF8.GetBytes("{not json"));
        driver.Pipe(Events.View("u1", "p1", T0));

        Assert.Single(driver.DeadLetters);
        Assert.Equal("p1", Assert.Single(driver.Sent).Key);
        Assert.Equal(new SourcePosition(0, 1), driver.Sent[0].Source);
    }

    [Fact]
    public void Popularity_reads_the_stage_output_and_counts_as_before_ignoring_cancellations()
    {
        var options = new MetricOptions();
        var popularity = PopularityTopology.Define(options);
        Assert.Equal(Topics.ProductEvents, popularity.Source.Topic);
        Assert.Null(popularity.Source.Repartition); // the stage repartitions; popularity only windows
        var driver = new TopologyTestDriver<AppEvent, string, PopularityCounts>(popularity, T0, partitions: 3, upstream: ProductEventsTopology.Define(options));
        var random = new Random(11);
        var input = new List<AppEvent>();
        string[] types = [EventTypes.ProductView, EventTypes.WishlistAdd, EventTypes.BookingConfirmed, EventTypes.BookingCancelled, EventTypes.PageView];
        for (var i = 0; i < 600; i++)
        {
            var type = types[random.Next(types.Length)];
            var product = type == EventTypes.PageView ? null : "p" + random.Next(7);
            input.Add(Events.Of(type, "u" + random.Next(40), T0.AddSeconds(random.Next(180)), product: product));
        }

        foreach (var e in input.OrderBy(e => e.OccurredAt))
        {
            driver.Pipe(e, partition: int.Parse(e.UserId[1..], System.Globalization.CultureInfo.InvariantCulture) % 3);
        }

        driver.AdvanceTime(TimeSpan.FromMinutes(5));
        var counted = driver.Results.Where(r => !r.Provisional).GroupBy(r => (r.WindowStart, r.Key))
            .ToDictionary(g => g.Key, g => g.Last().Value);
        var truth = input.Where(e => e.Type is EventTypes.ProductView or EventTypes.WishlistAdd or EventTypes.BookingConfirmed)
            .GroupBy(e => (WindowStart: T0.AddMinutes(Math.Floor((e.OccurredAt - T0).TotalMinutes)), Key: e.ProductId!))
            .ToDictionary(g => g.Key, g => (
                Views: g.Count(e => e.Type == EventTypes.ProductView),
                Wishlists: g.Count(e => e.Type == EventTypes.WishlistAdd),
                Bookings: g.Count(e => e.Type == EventTypes.BookingConfirmed)));
        Assert.Equal(truth.Keys.Order(), counted.Keys.Order());
        Assert.All(truth, t => Assert.Equal(t.Value, ((int)counted[t.Key].Views, (int)counted[t.Key].Wishlists, (int)counted[t.Key].Bookings)));
        Assert.Equal(0, Enumerable.Range(0, 3).Sum(p => driver.Counters(p).Duplicates));
    }

    [Fact]
    public void Popularity_drops_the_stage_re_sends_by_source_position()
    {
        var options = new MetricOptions();
        var driver = new TopologyTestDriver<AppEvent, string, PopularityCounts>(
            PopularityTopology.Define(options), T0, partitions: 3, upstream: ProductEventsTopology.Define(options));
        var input = new List<AppEvent>();
        for (var i = 0; i < 30; i++)
        {
            // Per source partition: a view, a cancellation, a page view without a product, a booking, ...
            var e = (i / 3 % 4) switch
            {
                0 => Events.View("u" + i, "p" + (i % 4), T0.AddSeconds(i)),
                1 => Events.Cancellation("u" + i, "p" + (i % 4), T0.AddSeconds(i)),
                2 => Events.Of(EventTypes.PageView, "u" + i, T0.AddSeconds(i)),
                _ => Events.Booking("u" + i, "p" + (i % 4), T0.AddSeconds(i)),
            };
            input.Add(e);
            driver.Pipe(e, partition: i % 3);
        }

        driver.ResendFromSource(sourcePartition: 1, fromOffset: 2); // the stage restarted from an old commit
        driver.AdvanceTime(TimeSpan.FromMinutes(3));

        // Source partition 1 holds every third event; those from offset 2 on with a product were sent twice.
        var resent = input.Where((_, i) => i % 3 == 1).Skip(2).Count(e => e.ProductId is not null);
        Assert.Equal(6, resent); // the page views among them are not sent at all
        Assert.Equal(resent, Enumerable.Range(0, 3).Sum(p => driver.Counters(p).Duplicates));
        var final = driver.Results.Where(r => r.WindowStart == T0 && !r.Provisional).ToList();
        Assert.Equal(input.Count(e => e.Type == EventTypes.ProductView), final.Sum(r => r.Value.Views));
        Assert.Equal(input.Count(e => e.Type == EventTypes.BookingConfirmed), final.Sum(r => r.Value.Bookings));
        Assert.Equal(0, final.Sum(r => r.Value.Wishlists));
    }
}
