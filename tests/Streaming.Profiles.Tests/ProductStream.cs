using System.Text.Json;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.Profiles.Contracts;

namespace Streaming.Profiles.Tests;

/// <summary>
/// A deterministic stream of product events as the repartitioner writes them (key = product, source position in
/// headers), and the totals a profile must show, computed from the input on their own (not by the profile code).
/// Events happen within the 45 minutes before <c>start</c>, so the hour and day counts hold for the test's duration.
/// </summary>
public sealed class ProductStream
{
    private static readonly string[] Cities = ["Busan", "Seoul", "Jeju", "Osaka", "Lisbon"];
    private readonly List<(AppEvent Event, SourcePosition Source)> events = [];

    public ProductStream(int products, int count, DateTimeOffset start, int seed = 42)
    {
        var random = new Random(seed);
        var nextOffset = new long[6];
        for (var i = 0; i < count; i++)
        {
            var product = "prod-" + random.Next(products).ToString("D5", System.Globalization.CultureInfo.InvariantCulture);
            var roll = random.Next(100);
            var type = roll < 60 ? EventTypes.ProductView : roll < 75 ? EventTypes.WishlistAdd : roll < 90 ? EventTypes.BookingConfirmed : EventTypes.BookingCancelled;
            var at = start.AddMilliseconds(-random.Next(45 * 60 * 1000));
            var sourcePartition = random.Next(6);
            var user = "user-" + random.Next(500);
            var amount = type is EventTypes.BookingConfirmed or EventTypes.BookingCancelled ? (long?)12000 : null;
            var appEvent = new AppEvent("ev-" + i, type, user, "s-" + user, product, at, "web", "KR", Cities[random.Next(Cities.Length)],
                amount, amount is null ? null : "KRW", at, "tours");
            events.Add((appEvent, new SourcePosition(sourcePartition, nextOffset[sourcePartition]++)));
        }

        Products = [.. events.Select(e => e.Event.ProductId!).Distinct().Order(StringComparer.Ordinal)];
    }

    public IReadOnlyList<string> Products { get; }

    public int Count => events.Count;

    /// <summary>Sends events [from, to) to product-events, keyed by product, each with its source position.</summary>
    public void Send(RecordProducer producer, string topic, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            var (appEvent, source) = events[i];
            producer.Send(topic, appEvent.ProductId, JsonSerializer.SerializeToUtf8Bytes(appEvent, EventJsonContext.Default.AppEvent), source.ToHeaders(), appEvent.OccurredAt);
        }

        producer.FlushAndThrowIfFailed(TimeSpan.FromSeconds(30));
    }

    /// <summary>What the profile of <paramref name="product"/> must show once every event was applied once.</summary>
    public ExpectedTotals Expected(string product)
    {
        long views = 0, wishlists = 0, bookings = 0, cancellations = 0;
        DateTimeOffset? lastBooked = null;
        string? city = null;
        foreach (var (e, _) in events.Where(e => e.Event.ProductId == product))
        {
            switch (e.Type)
            {
                case EventTypes.ProductView: views++; break;
                case EventTypes.WishlistAdd: wishlists++; break;
                case EventTypes.BookingCancelled: cancellations++; break;
                default:
                    bookings++;
                    if (lastBooked is null || e.OccurredAt > lastBooked)
                    {
                        (lastBooked, city) = (e.OccurredAt, e.City);
                    }

                    break;
            }
        }

        return new ExpectedTotals(views, wishlists, bookings, cancellations, lastBooked, city);
    }

    public static ExpectedTotals Shown(ProductProfile profile) =>
        new(profile.ViewsLastHour, profile.WishlistsLast24h, profile.BookingsLast24h, profile.CancellationsLast24h, profile.LastBookedAt, profile.LastBookedCity);
}

/// <summary>The counts a test can check exactly while it runs (all events are within the last hour).</summary>
public sealed record ExpectedTotals(long Views, long Wishlists, long Bookings, long Cancellations, DateTimeOffset? LastBookedAt, string? LastBookedCity);
