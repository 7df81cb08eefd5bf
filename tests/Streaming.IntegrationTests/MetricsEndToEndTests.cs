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
    private static readonly TestProduct[] Products =
    [
        new("e2e-tour-1", "e2e-tour", "E2E Seoul", "KRW", 45_000), new("e2e-tour-2", "e2e-tour", "E2E Busan", "KRW", 30_000),
        new("e2e-stay-3", "e2e-stay", "E2E Tokyo", "JPY", 12_000), new("e2e-stay-4", "e2e-stay", "E2E Seoul", "KRW", 99_000),
        new("e2e-flight-5", "e2e-flight", "E2E Paris", "EUR", 25_000), new("e2e-flight-6", "e2e-flight", "E2E Tokyo", "JPY", 40_000),
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

        var range = $"minute >= {Sql.DateTime(firstMinute)} AND minute < {Sql.DateTime(firstMinute.AddMinutes(5))}";
        var verdict = await Eventually.HoldsAsync(
            () => CompareAsync(events, range),
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
            () => CompareAsync(events, range),
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

    private Task<List<string>> CompareAsync(List<IncomingEvent> events, string range) =>
        ViewTruth.From(Country, Products, events).DifferencesAsync(fixture.ClickHouse, "e2e-", range);

    private static List<IncomingEvent> Generate(DateTimeOffset firstMinute, int minutes, int count, int seed, string idPrefix = "e2e-") =>
        ViewTruth.Generate(Country, Products, firstMinute, minutes, count, seed, idPrefix, homeCity: "E2E Home");
}

internal sealed record UsersRow(uint MinuteUnix, ulong UserCount, byte IsProvisional);

internal sealed record BookingsRow(uint MinuteUnix, string Dim, string DimValue, string Cur, ulong Confirmed, ulong Cancelled, long Revenue, long CancelledRevenue, byte IsProvisional);

internal sealed record PopularityRow(uint MinuteUnix, string Product, ulong Viewed, ulong Wished, ulong Booked, double TotalScore, byte IsProvisional);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(UsersRow))]
[JsonSerializable(typeof(BookingsRow))]
[JsonSerializable(typeof(PopularityRow))]
internal sealed partial class E2eJson : JsonSerializerContext;
