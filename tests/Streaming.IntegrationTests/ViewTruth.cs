using System.Globalization;
using Streaming.ClickHouse;
using Streaming.Events;
using Streaming.Metrics;

namespace Streaming.IntegrationTests;

/// <summary>A product of a test's own, with the category, city and price its generated events carry.</summary>
public sealed record TestProduct(string Id, string Category, string City, string Currency, long Price);

/// <summary>
/// Events of a test's own (its country, products, categories and cities), and the per-minute totals of the three views
/// computed from them alone (default popularity weights 1, 5, 20), compared row by row with ClickHouse.
/// </summary>
public sealed class ViewTruth
{
    private static readonly string[] Platforms = ["ios", "android", "web"];

    private ViewTruth(
        string country,
        IReadOnlyList<TestProduct> products,
        Dictionary<uint, ulong> users,
        Dictionary<(uint, string, string, string), (ulong, ulong, long, long)> bookings,
        Dictionary<(uint, string), (ulong, ulong, ulong, double)> popularity)
    {
        Country = country;
        Products = products;
        Users = users;
        Bookings = bookings;
        Popularity = popularity;
    }

    public string Country { get; }

    public IReadOnlyList<TestProduct> Products { get; }

    public Dictionary<uint, ulong> Users { get; }

    public Dictionary<(uint, string, string, string), (ulong, ulong, long, long)> Bookings { get; }

    public Dictionary<(uint, string), (ulong, ulong, ulong, double)> Popularity { get; }

    public static uint Minute(IncomingEvent e)
    {
        var seconds = EventTime.Parse(e.OccurredAt!).ToUnixTimeSeconds();
        return (uint)(seconds - (seconds % 60));
    }

    public static ViewTruth From(string country, IReadOnlyList<TestProduct> products, List<IncomingEvent> events)
    {
        var users = events.GroupBy(Minute).ToDictionary(g => g.Key, g => (ulong)g.Select(e => e.UserId).Distinct().Count());
        var bookings = new Dictionary<(uint, string, string, string), (ulong, ulong, long, long)>();
        foreach (var e in events.Where(e => e.Type is EventTypes.BookingConfirmed or EventTypes.BookingCancelled))
        {
            foreach (var (dimension, value) in new[] { (ResultDimensions.Product, e.ProductId!), (ResultDimensions.Category, e.Category!), (ResultDimensions.City, e.City!) })
            {
                var key = (Minute(e), dimension, value, e.Currency!);
                var (confirmed, cancelled, revenue, cancelledRevenue) = bookings.GetValueOrDefault(key);
                bookings[key] = e.Type == EventTypes.BookingConfirmed
                    ? (confirmed + 1, cancelled, revenue + e.Amount!.Value, cancelledRevenue)
                    : (confirmed, cancelled + 1, revenue, cancelledRevenue + e.Amount!.Value);
            }
        }

        var popularity = events.Where(e => e.Type is EventTypes.ProductView or EventTypes.WishlistAdd or EventTypes.BookingConfirmed)
            .GroupBy(e => (Minute(e), e.ProductId!))
            .ToDictionary(g => g.Key, g =>
            {
                var (views, wishlists, booked) = ((ulong)g.Count(e => e.Type == EventTypes.ProductView), (ulong)g.Count(e => e.Type == EventTypes.WishlistAdd), (ulong)g.Count(e => e.Type == EventTypes.BookingConfirmed));
                return (views, wishlists, booked, (views * 1.0) + (wishlists * 5.0) + (booked * 20.0));
            });
        return new ViewTruth(country, products, users, bookings, popularity);
    }

    /// <summary>
    /// <paramref name="count"/> events spread over <paramref name="minutes"/> minutes from <paramref name="firstMinute"/>,
    /// with up to 0.5 s of disorder, from 300 users of the test's own; product events name the test's products.
    /// </summary>
    public static List<IncomingEvent> Generate(
        string country, IReadOnlyList<TestProduct> products, DateTimeOffset firstMinute, int minutes, int count, int seed, string idPrefix, string homeCity)
    {
        var random = new Random(seed);
        var span = TimeSpan.FromMinutes(minutes).Ticks;
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var at = firstMinute.AddTicks((span * i / count) + random.Next(0, 5_000_000));
            at = at < firstMinute.AddTicks(span) ? at : firstMinute.AddTicks(span - 1);
            var user = idPrefix + "u" + random.Next(300).ToString(CultureInfo.InvariantCulture);
            var product = products[random.Next(products.Count)];
            var roll = random.Next(100);
            var type = roll switch
            {
                < 10 => EventTypes.AppOpen,
                < 20 => EventTypes.Search,
                < 65 => EventTypes.ProductView,
                < 75 => EventTypes.WishlistAdd,
                < 92 => EventTypes.BookingConfirmed,
                _ => EventTypes.BookingCancelled,
            };
            var aboutProduct = type is not (EventTypes.AppOpen or EventTypes.Search);
            var money = type is EventTypes.BookingConfirmed or EventTypes.BookingCancelled;
            return new IncomingEvent(
                idPrefix + i.ToString(CultureInfo.InvariantCulture), type, user, "s-" + user, aboutProduct ? product.Id : null,
                at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture), Platforms[random.Next(Platforms.Length)], country,
                aboutProduct ? product.City : homeCity, money ? product.Price : null, money ? product.Currency : null, aboutProduct ? product.Category : null);
        })];
    }

    /// <summary>Every row of the three views in <paramref name="range"/> that differs from the truth, missing or unexpected.</summary>
    public async Task<List<string>> DifferencesAsync(ClickHouseClient clickHouse, string productPrefix, string range)
    {
        var differences = new List<string>();
        var users = (await clickHouse.QueryAsync(
            $"SELECT toUInt32(minute) AS minute_unix, users AS user_count, provisional AS is_provisional FROM concurrent_users_per_minute " +
            $"WHERE dimension = {Sql.String(ResultDimensions.Country)} AND dimension_value = {Sql.String(Country)} AND {range}",
            E2eJson.Default.UsersRow)).ToDictionary(r => r.MinuteUnix, r => (r.UserCount, r.IsProvisional));
        Diff("concurrent users", Users.ToDictionary(kv => kv.Key, kv => (kv.Value, (byte)0)), users, differences);

        var inList = string.Join(", ", Products.SelectMany(p => new[] { p.Id, p.Category, p.City }).Distinct().Select(Sql.String));
        var bookings = (await clickHouse.QueryAsync(
            $"SELECT toUInt32(minute) AS minute_unix, dimension AS dim, dimension_value AS dim_value, currency AS cur, bookings AS confirmed, " +
            $"cancellations AS cancelled, revenue_minor AS revenue, cancelled_revenue_minor AS cancelled_revenue, provisional AS is_provisional " +
            $"FROM bookings_per_minute WHERE dimension_value IN ({inList}) AND {range}",
            E2eJson.Default.BookingsRow)).ToDictionary(
                r => (r.MinuteUnix, r.Dim, r.DimValue, r.Cur), r => (r.Confirmed, r.Cancelled, r.Revenue, r.CancelledRevenue, r.IsProvisional));
        Diff("bookings", Bookings.ToDictionary(kv => kv.Key, kv => (kv.Value.Item1, kv.Value.Item2, kv.Value.Item3, kv.Value.Item4, (byte)0)), bookings, differences);

        var popularity = (await clickHouse.QueryAsync(
            $"SELECT toUInt32(minute) AS minute_unix, product_id AS product, views AS viewed, wishlists AS wished, bookings AS booked, score AS total_score, " +
            $"provisional AS is_provisional FROM popularity_per_minute WHERE startsWith(product_id, {Sql.String(productPrefix)}) AND {range}",
            E2eJson.Default.PopularityRow)).ToDictionary(r => (r.MinuteUnix, r.Product), r => (r.Viewed, r.Wished, r.Booked, r.TotalScore, r.IsProvisional));
        Diff("popularity", Popularity.ToDictionary(kv => kv.Key, kv => (kv.Value.Item1, kv.Value.Item2, kv.Value.Item3, kv.Value.Item4, (byte)0)), popularity, differences);
        return differences;
    }

    private static void Diff<TKey, TValue>(string metric, Dictionary<TKey, TValue> expected, Dictionary<TKey, TValue> actual, List<string> differences)
        where TKey : notnull
    {
        foreach (var (key, value) in expected)
        {
            if (!actual.TryGetValue(key, out var seen))
            {
                differences.Add($"{metric} {key}: missing, expected {value}");
            }
            else if (!EqualityComparer<TValue>.Default.Equals(seen, value))
            {
                differences.Add($"{metric} {key}: {seen}, expected {value}");
            }
        }

        differences.AddRange(actual.Keys.Where(k => !expected.ContainsKey(k)).Select(k => $"{metric} {k}: unexpected {actual[k]}"));
    }
}
