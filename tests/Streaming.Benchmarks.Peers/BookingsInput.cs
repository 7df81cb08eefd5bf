using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Streaming.Events;
using Streaming.Kafka;

namespace Streaming.Benchmarks.Peers;

/// <summary>
/// The benchmark's input: users' events keyed by user (a seventh of them confirmed bookings over 2,000 products), with
/// event times spread evenly over <see cref="Span"/> that ends before the current minute, so that every window can close;
/// and the truth, bookings per product per minute, counted from what was produced.
/// </summary>
internal sealed class BookingsInput
{
    /// <summary>Event time covered by one input: five one-minute windows and a part.</summary>
    public static readonly TimeSpan Span = TimeSpan.FromMinutes(5);

    private static readonly string[] Types =
        [EventTypes.ProductView, EventTypes.ProductView, EventTypes.ProductView, EventTypes.Search, EventTypes.AppOpen, EventTypes.WishlistAdd, EventTypes.BookingConfirmed];

    private readonly List<(string User, AppEvent Event)> events;

    private BookingsInput(List<(string, AppEvent)> events) => this.events = events;

    public int Count => events.Count;

    /// <summary>
    /// <paramref name="count"/> events; each partition's event times rise (<paramref name="disorder"/> zero) or each is
    /// up to <paramref name="disorder"/> older than its place in the sequence (out of order, within a grace longer than that).
    /// </summary>
    public static BookingsInput Create(int count, TimeSpan disorder, int seed, TimeProvider clock)
    {
        var random = new Random(seed);
        var now = clock.GetUtcNow();
        var end = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero) - TimeSpan.FromSeconds(1);
        var start = end - Span;
        var list = new List<(string, AppEvent)>(count);
        for (var i = 0; i < count; i++)
        {
            var at = start + (Span * i / count) - (disorder * random.NextDouble());
            var type = Types[random.Next(Types.Length)];
            var user = "u" + random.Next(20_000).ToString(CultureInfo.InvariantCulture);
            var product = type is EventTypes.Search or EventTypes.AppOpen ? null : "p" + random.Next(2_000).ToString(CultureInfo.InvariantCulture);
            var booking = type == EventTypes.BookingConfirmed;
            var id = string.Create(CultureInfo.InvariantCulture, $"e{seed}-{i}");
            list.Add((user, new AppEvent(id, type, user, "s-" + user, product, at, "ios", "KR", "Seoul",
                booking ? 12_000 : null, booking ? "KRW" : null, at, product is null ? null : "tour")));
        }

        return new BookingsInput(list);
    }

    /// <summary>Confirmed bookings per (product, window start in Unix milliseconds).</summary>
    public BookingCounts Truth()
    {
        var truth = new BookingCounts();
        foreach (var (_, e) in events)
        {
            if (e.Type == EventTypes.BookingConfirmed && e.ProductId is { } product)
            {
                truth.Add(product, BookingCounts.WindowOf(e.OccurredAt), 1);
            }
        }

        return truth;
    }

    /// <summary>
    /// Produces the events to the topic, keyed by user, with the event time as the record's timestamp: as fast as the
    /// client can (a backlog, as a consumer sees after a restart or in a replay), or with event time running
    /// <paramref name="speedUp"/> times faster than the wall clock (closer to live traffic).
    /// </summary>
    public void Produce(KafkaOptions kafka, string topic, double? speedUp = null)
    {
        using var producer = new KafkaClients(Options.Create(kafka)).CreateProducer("peers-input");
        var elapsed = Stopwatch.StartNew();
        for (var i = 0; i < events.Count; i++)
        {
            if (speedUp is { } x && i % 100 == 0 && Span * i / events.Count / x - elapsed.Elapsed is { Ticks: > 0 } ahead)
            {
                Thread.Sleep(ahead); // Paces the input; the producer, not a test, waits this way.
            }

            var (user, e) = events[i];
            producer.Send(topic, user, JsonSerializer.SerializeToUtf8Bytes(e, EventJsonContext.Default.AppEvent), timestamp: e.OccurredAt);
        }

        producer.FlushAndThrowIfFailed(TimeSpan.FromSeconds(120));
    }
}
