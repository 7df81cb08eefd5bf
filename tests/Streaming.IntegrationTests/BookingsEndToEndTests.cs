using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Streaming.ClickHouse;
using Streaming.DevHost.Fleet;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.Metrics.Bookings;

namespace Streaming.IntegrationTests;

/// <summary>Events posted through the ingest API come out as exact per-product, per-minute bookings in ClickHouse and the gateway.</summary>
[Collection(FleetCollection.Name)]
public sealed class BookingsEndToEndTests(FleetFixture fixture)
{
    private static readonly string[] Products = ["it-tour-seoul-001", "it-tour-seoul-002", "it-stay-tokyo-003", "it-flight-paris-004", "it-stay-busan-005"];

    [Fact]
    public async Task Posted_bookings_are_counted_exactly_per_product_and_minute_in_ClickHouse_and_through_the_gateway()
    {
        // Minutes in the past (inside the correction horizon), so no test waits for a real minute to pass.
        var now = DateTimeOffset.UtcNow;
        var firstMinute = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(-20);
        var events = GenerateEvents(Products, "it-", firstMinute, minutes: 4, count: 1200, seed: 7);

        foreach (var batch in events.Chunk(400))
        {
            using var response = await fixture.PostEventsAsync(batch);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var expected = GroundTruth(events);
        Assert.True(expected.Count > 10, "the generated traffic should book several products in several minutes");
        var inClickHouse = await WaitForExactTotalsAsync(fixture, expected, "it-");
        Assert.Equal(expected.Count, inClickHouse.Count);

        var from = Iso(firstMinute);
        var to = Iso(firstMinute.AddMinutes(4));
        var body = await fixture.Gateway.GetStringAsync($"/v1/metrics/bookings?from={from}&to={to}");
        var rows = JsonSerializer.Deserialize(body, ItJson.Default.GatewayBookings)!.Rows;
        var throughGateway = rows.Where(r => r.ProductId.StartsWith("it-", StringComparison.Ordinal)).ToDictionary(r => (r.WindowStart, r.ProductId, r.Currency), r => (r.Bookings, Revenue: r.RevenueMinor));
        Assert.True(SameTotals(expected, throughGateway), "the gateway should return exactly the expected rows");

        var oneProduct = Products[0];
        var filtered = JsonSerializer.Deserialize(
            await fixture.Gateway.GetStringAsync($"/v1/metrics/bookings?from={from}&to={to}&product_id={oneProduct}"), ItJson.Default.GatewayBookings)!.Rows;
        Assert.Equal(expected.Keys.Count(k => k.Item2 == oneProduct), filtered.Count);
        Assert.All(filtered, r => Assert.Equal(oneProduct, r.ProductId));
    }

    [Fact]
    public async Task Bookings_stay_exact_when_the_aggregator_is_killed_mid_stream()
    {
        string[] products = ["crash-tour-1", "crash-tour-2", "crash-stay-3", "crash-flight-4", "crash-tokyo-5", "crash-tour-6"];
        var now = DateTimeOffset.UtcNow;
        var firstMinute = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(-45);
        var events = GenerateEvents(products, "crash-", firstMinute, minutes: 6, count: 6000, seed: 11);
        var batches = events.Chunk(500).ToList();
        for (var i = 0; i < batches.Count; i++)
        {
            if (i is 4 or 8)
            {
                // SIGKILL while the previous batches are still being repartitioned and windowed.
                await fixture.Fleet.CrashAndRestartAsync(LocalFleet.Aggregator, CancellationToken.None);
            }

            using var response = await fixture.PostEventsAsync(batches[i]);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var expected = GroundTruth(events);
        var actual = await WaitForExactTotalsAsync(fixture, expected, "crash-");
        Assert.Equal(expected.Count, actual.Count);
    }

    [Fact]
    public async Task A_booking_older_than_the_correction_horizon_goes_to_the_late_topic_and_is_counted()
    {
        // Every task's watermark follows the wall clock once idle; three hours back is past the one-hour horizon.
        var product = "late-" + Guid.NewGuid().ToString("N")[..8];
        var late = new IncomingEvent("late-1", EventTypes.BookingConfirmed, "u-late", "s-late", product,
            Iso(DateTimeOffset.UtcNow.AddHours(-3)), "web", "KR", "Seoul", 5000, "KRW");
        using (var response = await fixture.PostEventsAsync([late]))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        await Eventually.HoldsAsync(
            () => Task.FromResult(fixture.ReadWholeTopic(Topics.LateEvents).Count(r => r.Message.Key == product)),
            count => count >= 1,
            TimeSpan.FromSeconds(30),
            count => $"{count} late records for {product}");

        using var http = new HttpClient();
        await Eventually.HoldsAsync(
            async () => JsonDocument.Parse(await http.GetStringAsync(fixture.Fleet.Service(LocalFleet.Aggregator).Url + "/v1/status"))
                .RootElement.GetProperty("tasks").EnumerateArray().Sum(t => t.GetProperty("too_late").GetInt64()),
            tooLate => tooLate >= 1,
            TimeSpan.FromSeconds(10),
            tooLate => $"too_late summed over tasks = {tooLate}");
        var rows = await fixture.ClickHouse.ScalarAsync(
            $"SELECT count() FROM {Sql.Identifier(BookingsTable.PerMinute)} WHERE dimension = 'product' AND dimension_value = {Sql.String(product)}");
        Assert.Equal("0", rows);
    }

    /// <summary>Confirmed bookings and revenue per (minute, product, currency), computed from the input alone.</summary>
    private static Dictionary<(DateTimeOffset, string, string), (long Bookings, long Revenue)> GroundTruth(List<IncomingEvent> events) =>
        events
            .Where(e => e.Type == EventTypes.BookingConfirmed)
            .GroupBy(e => (MinuteOf(e.OccurredAt!), e.ProductId!, e.Currency!))
            .ToDictionary(g => g.Key, g => (Bookings: (long)g.Count(), Revenue: g.Sum(e => e.Amount!.Value)));

    /// <summary>Waits until the bookings_per_minute view (latest versions summed over partitions) equals the truth for the prefix.</summary>
    private static Task<Dictionary<(DateTimeOffset, string, string), (long Bookings, long Revenue)>> WaitForExactTotalsAsync(
        FleetFixture fixture, Dictionary<(DateTimeOffset, string, string), (long Bookings, long Revenue)> expected, string productPrefix)
    {
        var table = Sql.Identifier(BookingsTable.PerMinute);
        return Eventually.HoldsAsync(
            async () => (await fixture.ClickHouse.QueryAsync(
                    $"SELECT toUInt32(minute) AS minute_unix, dimension_value AS product_id, currency, bookings, revenue_minor FROM {table} WHERE dimension = 'product' AND startsWith(dimension_value, {Sql.String(productPrefix)})",
                    ItJson.Default.BookingRow))
                .ToDictionary(r => (DateTimeOffset.FromUnixTimeSeconds(r.MinuteUnix), r.ProductId, r.Currency), r => (r.Bookings, Revenue: r.RevenueMinor)),
            actual => SameTotals(expected, actual),
            TimeSpan.FromSeconds(90),
            actual => $"{actual.Count} rows, {actual.Values.Sum(v => v.Bookings)} bookings; expected {expected.Count} rows, {expected.Values.Sum(v => v.Bookings)} bookings");
    }

    private static bool SameTotals(
        Dictionary<(DateTimeOffset, string, string), (long Bookings, long Revenue)> expected,
        Dictionary<(DateTimeOffset, string, string), (long Bookings, long Revenue)> actual) =>
        expected.Count == actual.Count && expected.All(e => actual.TryGetValue(e.Key, out var a) && a == e.Value);

    /// <summary>Views, searches and bookings over several minutes, shuffled so that some arrive out of order.</summary>
    private static List<IncomingEvent> GenerateEvents(string[] products, string idPrefix, DateTimeOffset firstMinute, int minutes, int count, int seed)
    {
        var random = new Random(seed);
        var events = new List<IncomingEvent>(count);
        for (var i = 0; i < count; i++)
        {
            var at = firstMinute.AddMilliseconds(random.Next(0, minutes * 60_000));
            var user = "u" + random.Next(0, 300).ToString(CultureInfo.InvariantCulture);
            var product = products[random.Next(products.Length)];
            var roll = random.Next(10);
            var type = roll < 4 ? EventTypes.BookingConfirmed : roll < 8 ? EventTypes.ProductView : EventTypes.Search;
            var booking = type == EventTypes.BookingConfirmed;
            var currency = product.Contains("tokyo", StringComparison.Ordinal) ? "JPY" : "KRW";
            events.Add(new IncomingEvent(
                idPrefix + i.ToString(CultureInfo.InvariantCulture), type, user, "s-" + user, type == EventTypes.Search ? null : product, Iso(at),
                "android", "KR", "Seoul", booking ? random.Next(1, 500) * 100L : null, booking ? currency : null));
        }

        return events;
    }

    private static DateTimeOffset MinuteOf(string occurredAt)
    {
        var t = EventTime.Parse(occurredAt);
        return new DateTimeOffset(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
    }

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}

public sealed record BookingRow(long MinuteUnix, string ProductId, string Currency, long Bookings, long RevenueMinor);

public sealed record GatewayBookings(List<GatewayBookingRow> Rows);

public sealed record GatewayBookingRow(DateTimeOffset WindowStart, string ProductId, string Currency, long Bookings, long RevenueMinor, bool Provisional);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BookingRow))]
[JsonSerializable(typeof(GatewayBookings))]
[JsonSerializable(typeof(ProblemBody))]
internal sealed partial class ItJson : JsonSerializerContext;

public sealed record ProblemBody(int Status, string? Title, Dictionary<string, string[]>? Errors);
