using System.Globalization;
using System.Net;
using System.Text.Json.Serialization;
using Streaming.ClickHouse;
using Streaming.DevHost.Fleet;
using Streaming.Events;
using Streaming.Metrics;

namespace Streaming.IntegrationTests;

/// <summary>
/// A deterministic run through ingest, the three topologies, the sink and the ClickHouse views, with ClickHouse
/// crashed and restarted and the sink killed mid-stream: every row behind the views matches totals computed
/// independently from the input. Series are told apart from other tests' data by their own country, products,
/// categories and cities.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class MetricsEndToEndTests(FleetFixture fixture)
{
    private const string Country = "XQ";
    private static readonly int OutageSeconds = int.TryParse(Environment.GetEnvironmentVariable("STREAMING_CLICKHOUSE_DOWNTIME"), CultureInfo.InvariantCulture, out var seconds) ? seconds : 10;
    private static readonly string[] Platforms = ["ios", "android", "web"];
    private static readonly (string Id, string Category, string City, string Currency, long Price)[] Products =
    [
        ("e2e-tour-1", "e2e-tour", "E2E Seoul", "KRW", 45_000), ("e2e-tour-2", "e2e-tour", "E2E Busan", "KRW", 30_000),
        ("e2e-stay-3", "e2e-stay", "E2E Tokyo", "JPY", 12_000), ("e2e-stay-4", "e2e-stay", "E2E Seoul", "KRW", 99_000),
        ("e2e-flight-5", "e2e-flight", "E2E Paris", "EUR", 25_000), ("e2e-flight-6", "e2e-flight", "E2E Tokyo", "JPY", 40_000),
    ];

    [Fact]
    public async Task Every_row_behind_the_views_is_exact_through_a_ClickHouse_crash_and_a_sink_kill()
    {
        var now = DateTimeOffset.UtcNow;
        var firstMinute = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(-12);
        var events = Generate(firstMinute, minutes: 5, count: 4000, seed: 23);
        var batches = events.Chunk(400).ToList();
        Task? outage = null;
        for (var i = 0; i < batches.Count; i++)
        {
            if (i == 3)
            {
                // Down while batches 3 and 4 arrive: the sink must pause, retry with backoff and lose nothing.
                // STREAMING_CLICKHOUSE_DOWNTIME (seconds) makes the outage longer, e.g. 180 for minutes.
                outage = fixture.Fleet.ClickHouse.CrashAndRestartAsync(TimeSpan.FromSeconds(OutageSeconds));
            }

            if (i == 5)
            {
                await outage!;
            }

            if (i == 7)
            {
                await fixture.Fleet.CrashAndRestartAsync(LocalFleet.ClickHouseSink, CancellationToken.None);
            }

            using var response = await fixture.PostEventsAsync(batches[i]);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var truth = Truth.From(events);
        var range = $"minute >= {Sql.DateTime(firstMinute)} AND minute < {Sql.DateTime(firstMinute.AddMinutes(5))}";
        var verdict = await Eventually.HoldsAsync(
            () => CompareAsync(truth, range),
            v => v.Count == 0,
            TimeSpan.FromSeconds(120 + OutageSeconds),
            v => string.Join("; ", v.Take(5)));
        Assert.Empty(verdict);
    }

    /// <summary>
    /// Apps retry: the same batch posted twice, and batches re-posted with part of the one before. Every copy is
    /// accepted by ingest (with a new received_at), and every view still counts each event once. Minutes of their own
    /// (20 to 16 minutes ago) and event ids of their own keep these events apart from the other test's.
    /// </summary>
    [Fact]
    public async Task Re_posted_batches_are_counted_once_in_every_view()
    {
        var now = DateTimeOffset.UtcNow;
        var firstMinute = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(-20);
        var events = Generate(firstMinute, minutes: 4, count: 2000, seed: 31, idPrefix: "e2e-resent-");
        var batches = events.Chunk(250).ToList();
        for (var i = 0; i < batches.Count; i++)
        {
            await PostAcceptedAsync(batches[i]);
            if (i % 2 == 1)
            {
                await PostAcceptedAsync(batches[i]); // the same batch twice
            }

            if (i > 0)
            {
                await PostAcceptedAsync([.. batches[i - 1].Skip(100), .. batches[i].Take(100)]); // overlapping both
            }
        }

        var range = $"minute >= {Sql.DateTime(firstMinute)} AND minute < {Sql.DateTime(firstMinute.AddMinutes(4))}";
        var verdict = await Eventually.HoldsAsync(
            () => CompareAsync(Truth.From(events), range),
            v => v.Count == 0,
            TimeSpan.FromSeconds(120),
            v => string.Join("; ", v.Take(5)));
        Assert.Empty(verdict);
    }

    private async Task PostAcceptedAsync(IEnumerable<IncomingEvent> events)
    {
        using var response = await fixture.PostEventsAsync(events);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private async Task<List<string>> CompareAsync(Truth truth, string range)
    {
        var differences = new List<string>();
        var users = (await fixture.ClickHouse.QueryAsync(
            $"SELECT toUInt32(minute) AS minute_unix, users AS user_count, provisional AS is_provisional FROM concurrent_users_per_minute " +
            $"WHERE dimension = {Sql.String(ResultDimensions.Country)} AND dimension_value = {Sql.String(Country)} AND {range}",
            E2eJson.Default.UsersRow)).ToDictionary(r => r.MinuteUnix, r => (r.UserCount, r.IsProvisional));
        Diff("concurrent users", truth.Users.ToDictionary(kv => kv.Key, kv => (kv.Value, (byte)0)), users, differences);

        var inList = string.Join(", ", Products.SelectMany(p => new[] { p.Id, p.Category, p.City }).Distinct().Select(Sql.String));
        var bookings = (await fixture.ClickHouse.QueryAsync(
            $"SELECT toUInt32(minute) AS minute_unix, dimension AS dim, dimension_value AS dim_value, currency AS cur, bookings AS confirmed, " +
            $"cancellations AS cancelled, revenue_minor AS revenue, cancelled_revenue_minor AS cancelled_revenue, provisional AS is_provisional " +
            $"FROM bookings_per_minute WHERE dimension_value IN ({inList}) AND {range}",
            E2eJson.Default.BookingsRow)).ToDictionary(
                r => (r.MinuteUnix, r.Dim, r.DimValue, r.Cur), r => (r.Confirmed, r.Cancelled, r.Revenue, r.CancelledRevenue, r.IsProvisional));
        Diff("bookings", truth.Bookings.ToDictionary(kv => kv.Key, kv => (kv.Value.Item1, kv.Value.Item2, kv.Value.Item3, kv.Value.Item4, (byte)0)), bookings, differences);

        var popularity = (await fixture.ClickHouse.QueryAsync(
            $"SELECT toUInt32(minute) AS minute_unix, product_id AS product, views AS viewed, wishlists AS wished, bookings AS booked, score AS total_score, " +
            $"provisional AS is_provisional FROM popularity_per_minute WHERE startsWith(product_id, 'e2e-') AND {range}",
            E2eJson.Default.PopularityRow)).ToDictionary(r => (r.MinuteUnix, r.Product), r => (r.Viewed, r.Wished, r.Booked, r.TotalScore, r.IsProvisional));
        Diff("popularity", truth.Popularity.ToDictionary(kv => kv.Key, kv => (kv.Value.Item1, kv.Value.Item2, kv.Value.Item3, kv.Value.Item4, (byte)0)), popularity, differences);
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

    /// <summary>Per-minute totals computed from the events alone (default popularity weights 1, 5, 20).</summary>
    private sealed record Truth(
        Dictionary<uint, ulong> Users,
        Dictionary<(uint, string, string, string), (ulong, ulong, long, long)> Bookings,
        Dictionary<(uint, string), (ulong, ulong, ulong, double)> Popularity)
    {
        public static Truth From(List<IncomingEvent> events)
        {
            static uint Minute(IncomingEvent e)
            {
                var seconds = EventTime.Parse(e.OccurredAt!).ToUnixTimeSeconds();
                return (uint)(seconds - (seconds % 60));
            }

            var users = events.GroupBy(Minute).ToDictionary(g => g.Key, g => (ulong)g.Select(e => e.UserId).Distinct().Count());
            var bookingEvents = events.Where(e => e.Type is EventTypes.BookingConfirmed or EventTypes.BookingCancelled).ToList();
            var bookings = new Dictionary<(uint, string, string, string), (ulong, ulong, long, long)>();
            foreach (var e in bookingEvents)
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
            return new Truth(users, bookings, popularity);
        }
    }

    private static List<IncomingEvent> Generate(DateTimeOffset firstMinute, int minutes, int count, int seed, string idPrefix = "e2e-")
    {
        var random = new Random(seed);
        var span = TimeSpan.FromMinutes(minutes).Ticks;
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var at = firstMinute.AddTicks((span * i / count) + random.Next(0, 5_000_000)); // up to 0.5 s of disorder
            at = at < firstMinute.AddTicks(span) ? at : firstMinute.AddTicks(span - 1);
            var user = "e2e-u" + random.Next(300).ToString(CultureInfo.InvariantCulture);
            var product = Products[random.Next(Products.Length)];
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
                at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture), Platforms[random.Next(Platforms.Length)], Country,
                aboutProduct ? product.City : "E2E Home", money ? product.Price : null, money ? product.Currency : null, aboutProduct ? product.Category : null);
        })];
    }
}

internal sealed record UsersRow(uint MinuteUnix, ulong UserCount, byte IsProvisional);

internal sealed record BookingsRow(uint MinuteUnix, string Dim, string DimValue, string Cur, ulong Confirmed, ulong Cancelled, long Revenue, long CancelledRevenue, byte IsProvisional);

internal sealed record PopularityRow(uint MinuteUnix, string Product, ulong Viewed, ulong Wished, ulong Booked, double TotalScore, byte IsProvisional);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(UsersRow))]
[JsonSerializable(typeof(BookingsRow))]
[JsonSerializable(typeof(PopularityRow))]
internal sealed partial class E2eJson : JsonSerializerContext;
