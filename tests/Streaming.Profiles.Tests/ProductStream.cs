using System.Globalization;
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
    /// <summary>Per events partition, the next source offset (re-posts come after every event of the stream).</summary>
    private readonly long[] nextOffset = new long[6];

    public ProductStream(int products, int count, DateTimeOffset start, int seed = 42)
    {
        var random = new Random(seed);
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

    /// <summary>
    /// Sends the events at <paramref name="indexes"/> again as an app's re-post would reach product-events: ingest
    /// accepted a second request with the same event (a new <c>received_at</c>), so it is a new record of the events
    /// topic (its user's partition, a new offset) and the stage forwards it with that new source position.
    /// <paramref name="change"/>: a copy whose content differs. Not part of what a profile must show.
    /// </summary>
    public void Repost(RecordProducer producer, string topic, IEnumerable<int> indexes, Func<AppEvent, AppEvent>? change = null)
    {
        foreach (var i in indexes)
        {
            var (appEvent, source) = events[i];
            var copy = (change ?? (e => e))(appEvent with { ReceivedAt = appEvent.ReceivedAt.AddSeconds(30) });
            var position = new SourcePosition(source.Partition, nextOffset[source.Partition]++);
            producer.Send(topic, copy.ProductId, JsonSerializer.SerializeToUtf8Bytes(copy, EventJsonContext.Default.AppEvent), position.ToHeaders(), copy.OccurredAt);
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

    /// <summary>
    /// Every field of the widget API's JSON for <paramref name="product"/> at <paramref name="now"/>, from the input alone
    /// and the issue's definitions ("the last N minutes" = the N one-minute buckets ending with now's minute; trend with
    /// the default thresholds 10, 1.5× and two thirds), each as <see cref="WidgetJson.Canonical"/> writes it.
    /// </summary>
    public SortedDictionary<string, string> ExpectedWidget(string product, DateTimeOffset now)
    {
        var current = MinuteOf(now);
        long views5 = 0, viewsBefore5 = 0, viewsHour = 0, wishlists = 0, bookingsHour = 0, bookings = 0, cancellations = 0;
        var viewers = new HashSet<string>(StringComparer.Ordinal);
        DateTimeOffset? lastBooked = null, asOf = null;
        string? city = null;
        foreach (var (e, _) in events.Where(e => e.Event.ProductId == product))
        {
            asOf = asOf is null || e.OccurredAt > asOf ? e.OccurredAt : asOf;
            var age = current - MinuteOf(e.OccurredAt);
            var inDay = age is >= 0 and < 1440;
            var inHour = age is >= 0 and < 60;
            switch (e.Type)
            {
                case EventTypes.ProductView:
                    if (age is >= 0 and < 5)
                    {
                        views5++;
                        viewers.Add(e.UserId);
                    }
                    else if (age is >= 5 and < 10)
                    {
                        viewsBefore5++;
                    }

                    viewsHour += inHour ? 1 : 0;
                    break;
                case EventTypes.WishlistAdd: wishlists += inDay ? 1 : 0; break;
                case EventTypes.BookingCancelled: cancellations += inDay ? 1 : 0; break;
                default:
                    bookings += inDay ? 1 : 0;
                    bookingsHour += inHour ? 1 : 0;
                    if (lastBooked is null || e.OccurredAt > lastBooked)
                    {
                        (lastBooked, city) = (e.OccurredAt, e.City);
                    }

                    break;
            }
        }

        var trend = views5 >= 10 && 2 * views5 >= 3 * viewsBefore5 ? "rising"
            : viewsBefore5 >= 10 && 3 * views5 <= 2 * viewsBefore5 ? "falling"
            : "steady";
        return new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["product_id"] = product,
            ["viewers_now"] = WidgetJson.Canonical(viewers.Count),
            ["views_last_5m"] = WidgetJson.Canonical(views5),
            ["views_last_hour"] = WidgetJson.Canonical(viewsHour),
            ["wishlists_last_24h"] = WidgetJson.Canonical(wishlists),
            ["bookings_last_hour"] = WidgetJson.Canonical(bookingsHour),
            ["bookings_last_24h"] = WidgetJson.Canonical(bookings),
            ["cancellations_last_24h"] = WidgetJson.Canonical(cancellations),
            ["last_booked_at"] = WidgetJson.Canonical(lastBooked),
            ["last_booked_city"] = city ?? WidgetJson.Null,
            ["trend"] = trend,
            ["as_of"] = WidgetJson.Canonical(asOf),
        };
    }

    private static long MinuteOf(DateTimeOffset at) => (long)Math.Floor(at.ToUnixTimeMilliseconds() / 60_000.0);

    public static ExpectedTotals Shown(ProductProfile profile) =>
        new(profile.ViewsLastHour, profile.WishlistsLast24h, profile.BookingsLast24h, profile.CancellationsLast24h, profile.LastBookedAt, profile.LastBookedCity);
}

/// <summary>The counts a test can check exactly while it runs (all events are within the last hour).</summary>
public sealed record ExpectedTotals(long Views, long Wishlists, long Bookings, long Cancellations, DateTimeOffset? LastBookedAt, string? LastBookedCity);

/// <summary>The widget API's JSON as field name → canonical text, to compare with <see cref="ProductStream.ExpectedWidget"/>.</summary>
public static class WidgetJson
{
    public const string Null = "(null)";

    public static string Canonical(long number) => number.ToString(CultureInfo.InvariantCulture);

    public static string Canonical(DateTimeOffset? at) => at?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) ?? Null;

    /// <summary>Every property of a JSON object: numbers as integers, times (…_at, as_of) as UTC instants.</summary>
    public static SortedDictionary<string, string> Fields(JsonElement body)
    {
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in body.EnumerateObject())
        {
            var value = property.Value;
            fields[property.Name] = value.ValueKind switch
            {
                JsonValueKind.Null => Null,
                JsonValueKind.Number => Canonical(value.GetInt64()),
                JsonValueKind.String when property.Name.EndsWith("_at", StringComparison.Ordinal) || property.Name == "as_of" =>
                    Canonical(DateTimeOffset.Parse(value.GetString()!, CultureInfo.InvariantCulture)),
                JsonValueKind.String => value.GetString()!,
                _ => value.GetRawText(),
            };
        }

        return fields;
    }

    /// <summary>"field: shown X, expected Y" for each difference, names present on one side only included.</summary>
    public static IEnumerable<string> Differences(SortedDictionary<string, string> shown, SortedDictionary<string, string> expected) =>
        shown.Keys.Union(expected.Keys).Order(StringComparer.Ordinal)
            .Where(k => shown.GetValueOrDefault(k) != expected.GetValueOrDefault(k))
            .Select(k => $"{k}: shown {shown.GetValueOrDefault(k) ?? "(absent)"}, expected {expected.GetValueOrDefault(k) ?? "(absent)"}");
}
