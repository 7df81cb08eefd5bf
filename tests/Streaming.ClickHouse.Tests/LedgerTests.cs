using System.Text.Json.Serialization;
using Microsoft.Extensions.Time.Testing;
using Streaming.ClickHouse.Tests.Chdb;
using Streaming.Events;
using Streaming.Metrics;
using Streaming.Metrics.Bookings;
using Streaming.Metrics.ConcurrentUsers;
using Streaming.Metrics.Ledger;
using Streaming.Metrics.Popularity;
using Streaming.Metrics.RawEvents;

namespace Streaming.ClickHouse.Tests;

/// <summary>
/// The gap ledger on each ClickHouse (18.16 and 26.x): minutes whose rows were deleted, a partition never aggregated,
/// re-sent events and late events past the horizon are found and repaired from events_raw; the views then show the
/// exact values, a second pass changes nothing, and passes cut short at random points still end exact.
/// </summary>
public abstract class LedgerTests(ClickHouseEngineFixture engine)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
    private static readonly LedgerOptions Options = new() { CheckDelay = TimeSpan.FromMinutes(2), MinutesPerQuery = 2 };

    [Fact]
    public async Task Deleted_minutes_and_an_unaggregated_partition_are_repaired_and_a_second_pass_changes_nothing()
    {
        var client = await engine.CreateFleetDatabaseAsync();
        var events = Traffic(minutes: 4);
        await client.InsertRowBinaryAsync(RawEventsTable.Table, events, RawEventsTable.Rows);
        // A client retried a request: the same events again, received later. Counted once.
        await client.InsertRowBinaryAsync(RawEventsTable.Table, [.. events.Take(15).Select(e => e with { ReceivedAt = e.ReceivedAt.AddSeconds(30) })], RawEventsTable.Rows);
        // The stream's results: exact for minutes 0 and 3, none for minute 1 (rows deleted), and partition 1 of minute 2
        // never aggregated.
        await WriteStreamResults(client, events.Where(e => Minute(e) != T0.AddMinutes(1) && !(Minute(e) == T0.AddMinutes(2) && PartitionOf(e) == 1)));

        var clock = new FakeTimeProvider(T0.AddMinutes(8));
        var reconciler = new LedgerReconciler(client, Options, new MetricOptions(), clock);
        var first = await reconciler.RunPassAsync();
        Assert.Equal(8 - 2, first.MinutesChecked); // minutes 0..5 are closed and due (4 and 5 are empty)
        await AssertViewsExact(client, events);

        var statuses = await Statuses(client);
        Assert.Equal(LedgerTable.Matched, statuses[(T0, LedgerMetric.Bookings.Name)]);
        Assert.Equal(LedgerTable.Repaired, statuses[(T0.AddMinutes(1), LedgerMetric.Bookings.Name)]);
        Assert.Equal(LedgerTable.Repaired, statuses[(T0.AddMinutes(2), LedgerMetric.ConcurrentUsers.Name)]);
        Assert.Equal(LedgerTable.Matched, statuses[(T0.AddMinutes(3), LedgerMetric.Popularity.Name)]);
        var differences = await client.ScalarAsync(
            $"SELECT arrayStringConcat(differences, ',') FROM {LedgerTable.Table} WHERE minute = {Sql.DateTime(T0.AddMinutes(1))} AND metric = 'popularity'");
        Assert.Equal("p0,p1,p2", differences);

        // The gateway's GET /v1/ledger query: the latest row of each (minute, metric).
        var listed = await client.QueryAsync(Gateway.Ledger.LedgerEndpoints.BuildSql(T0, T0.AddMinutes(3)), Gateway.Ledger.LedgerApiJsonContext.Default.LedgerStoredRow);
        Assert.Equal(9, listed.Count);
        var bookingsMinute1 = listed.Single(r => r.MinuteUnix == T0.AddMinutes(1).ToUnixTimeSeconds() && r.Metric == LedgerMetric.Bookings.Name);
        Assert.Equal((LedgerTable.Repaired, T0.AddMinutes(8).ToUnixTimeSeconds(), 0.0), (bookingsMinute1.LastStatus, bookingsMinute1.CheckedUnix, bookingsMinute1.LastStreamValue));
        Assert.Equal(events.Count(e => Minute(e) == T0.AddMinutes(1) && e.Type == EventTypes.BookingConfirmed), bookingsMinute1.LastRecomputedValue);
        Assert.Equal(["p0|KRW".Insert(0, "product|")], bookingsMinute1.LastDifferences.Where(d => d.StartsWith("product|p0", StringComparison.Ordinal)));

        var before = await RowCounts(client);
        var second = await reconciler.RunPassAsync();
        Assert.Equal((0, 0), (second.MinutesChecked, second.Repaired));
        Assert.Equal(before, await RowCounts(client));
        await AssertViewsExact(client, events);
    }

    [Fact]
    public async Task A_late_event_past_the_horizon_is_counted_by_the_next_pass_and_a_recheck_is_honoured()
    {
        var client = await engine.CreateFleetDatabaseAsync();
        var events = Traffic(minutes: 2);
        await client.InsertRowBinaryAsync(RawEventsTable.Table, events, RawEventsTable.Rows);
        await WriteStreamResults(client, events);
        var clock = new FakeTimeProvider(T0.AddMinutes(5));
        var reconciler = new LedgerReconciler(client, Options, new MetricOptions(), clock);
        Assert.Equal(0, (await reconciler.RunPassAsync()).Repaired);

        // Past the correction horizon: the aggregator sent it to events.late; only events_raw has it.
        var late = Event(999, EventTypes.BookingConfirmed, "late-user", "p1", T0.AddSeconds(50), platform: "web");
        await client.InsertRowBinaryAsync(RawEventsTable.Table, [late], RawEventsTable.Rows);
        events.Add(late);
        clock.Advance(TimeSpan.FromSeconds(30));
        var pass = await reconciler.RunPassAsync();
        Assert.Equal(1, pass.MinutesChecked);
        Assert.Equal(3, pass.Repaired); // minute 0 of every metric: the late user, booking and product
        await AssertViewsExact(client, events);

        // An operator asks for a re-check: the minutes are pending until the next pass, which finds them exact.
        clock.Advance(TimeSpan.FromSeconds(1));
        await client.ExecuteAsync(LedgerTable.RecheckSql(T0, T0.AddMinutes(2), clock.GetUtcNow()));
        Assert.Equal(LedgerTable.Pending, (await Statuses(client))[(T0.AddMinutes(1), LedgerMetric.Bookings.Name)]);
        clock.Advance(TimeSpan.FromSeconds(1));
        var recheck = await reconciler.RunPassAsync();
        Assert.Equal((2, 0), (recheck.MinutesChecked, recheck.Repaired));
        Assert.Equal(LedgerTable.Matched, (await Statuses(client))[(T0.AddMinutes(1), LedgerMetric.Bookings.Name)]);
        Assert.Equal(LedgerTable.Repaired, (await Statuses(client))[(T0, LedgerMetric.Bookings.Name)]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Passes_cut_short_at_random_points_still_end_exact(int seed)
    {
        var client = await engine.CreateFleetDatabaseAsync();
        var events = Traffic(minutes: 6);
        await client.InsertRowBinaryAsync(RawEventsTable.Table, events, RawEventsTable.Rows);
        await WriteStreamResults(client, events.Where(e => PartitionOf(e) != 2)); // one partition never aggregated
        var clock = new FakeTimeProvider(T0.AddMinutes(10));
        var random = new Random(seed);
        for (var attempt = 0; attempt < 6; attempt++)
        {
            // A new reconciler each time, as after a SIGKILL: nothing but ClickHouse survives.
            using var kill = new CancellationTokenSource(TimeSpan.FromMilliseconds(random.Next(5, 150)));
            try
            {
                await new LedgerReconciler(client, Options, new MetricOptions(), clock).RunPassAsync(kill.Token);
            }
            catch (OperationCanceledException)
            {
            }

            clock.Advance(TimeSpan.FromMilliseconds(10));
        }

        await new LedgerReconciler(client, Options, new MetricOptions(), clock).RunPassAsync();
        await AssertViewsExact(client, events);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, (await new LedgerReconciler(client, Options, new MetricOptions(), clock).RunPassAsync()).MinutesChecked);
    }

    /// <summary>Each event once: bookings per product, users per minute (all and per platform), popularity per product.</summary>
    private static async Task AssertViewsExact(ClickHouseClient client, List<AppEvent> events)
    {
        var once = events.GroupBy(e => e.EventId).Select(g => g.First()).ToList();
        var bookings = once.Where(e => e.Type == EventTypes.BookingConfirmed)
            .GroupBy(e => $"{Minute(e).ToUnixTimeSeconds()}|{e.ProductId}").Select(g => $"{g.Key}|{g.Count()}|{g.Sum(e => e.Amount)}").Order(StringComparer.Ordinal);
        Assert.Equal(bookings, await Lines(client,
            $"SELECT concat(toString(toUInt32(minute)), '|', dimension_value, '|', toString(bookings), '|', toString(revenue_minor)) AS line FROM {BookingsTable.PerMinute} WHERE dimension = 'product'"));
        var users = once.GroupBy(e => Minute(e).ToUnixTimeSeconds())
            .SelectMany(g => g.Select(e => $"{g.Key}|platform|{e.Platform}").Append($"{g.Key}|all|"))
            .Distinct().Select(k => $"{k}|{Users(once, k)}").Order(StringComparer.Ordinal);
        Assert.Equal(users, await Lines(client,
            $"SELECT concat(toString(toUInt32(minute)), '|', dimension, '|', dimension_value, '|', toString(users)) AS line FROM {ConcurrentUsersTable.PerMinute} WHERE dimension != 'country' AND users > 0"));
        var popularity = once.Where(e => e.Type is EventTypes.ProductView or EventTypes.BookingConfirmed)
            .GroupBy(e => $"{Minute(e).ToUnixTimeSeconds()}|{e.ProductId}")
            .Select(g => $"{g.Key}|{g.Count(e => e.Type == EventTypes.ProductView)}|{g.Count(e => e.Type == EventTypes.BookingConfirmed)}").Order(StringComparer.Ordinal);
        Assert.Equal(popularity, await Lines(client,
            $"SELECT concat(toString(toUInt32(minute)), '|', product_id, '|', toString(views), '|', toString(bookings)) AS line FROM {PopularityTable.PerMinute}"));
    }

    private static long Users(List<AppEvent> once, string key)
    {
        var parts = key.Split('|');
        return once.Where(e => Minute(e).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) == parts[0]
            && (parts[1] == "all" || e.Platform == parts[2])).Select(e => e.UserId).Distinct().Count();
    }

    private static async Task<List<string>> Lines(ClickHouseClient client, string sql) =>
        [.. (await client.QueryAsync(sql + " ORDER BY line", LedgerTestJson.Default.LineRow)).Select(r => r.Line)];

    private static async Task<Dictionary<(DateTimeOffset, string), string>> Statuses(ClickHouseClient client) =>
        (await client.QueryAsync(
            $"SELECT toUInt32(minute) AS minute_unix, metric, argMax(status, version) AS last_status FROM {LedgerTable.Table} GROUP BY minute, metric",
            LedgerTestJson.Default.StatusRow))
        .ToDictionary(r => (DateTimeOffset.FromUnixTimeSeconds(r.MinuteUnix), r.Metric), r => r.LastStatus);

    private static async Task<string> RowCounts(ClickHouseClient client) =>
        string.Join(",", await Task.WhenAll(new[] { LedgerTable.Table, "metric_repairs", BookingsTable.RepairTable, ConcurrentUsersTable.RepairTable, PopularityTable.RepairTable }
            .Select(t => client.ScalarAsync($"SELECT count() FROM {t}"))));

    /// <summary>What the aggregator would have written for these events: final partials per source partition (3 partitions by user).</summary>
    private static async Task WriteStreamResults(ClickHouseClient client, IEnumerable<AppEvent> counted)
    {
        var list = counted.ToList();
        var bookings = list.Where(e => e.Type == EventTypes.BookingConfirmed)
            .GroupBy(e => (Minute(e), PartitionOf(e), e.ProductId!))
            .SelectMany(g => new[] { ("product", g.Key.Item3), ("category", "tour"), ("city", "Seoul") }.Select(d =>
                new BookingsPerMinute(g.Key.Item1, d.Item1, d.Item2, "KRW", g.Key.Item2, 100, false, g.Count(), 0, g.Sum(e => e.Amount ?? 0), 0)))
            .GroupBy(r => (r.WindowStart, r.Dimension, r.DimensionValue, r.Partition))
            .Select(g => g.First() with { Bookings = g.Sum(r => r.Bookings), RevenueMinor = g.Sum(r => r.RevenueMinor) })
            .ToList();
        await client.InsertRowBinaryAsync(BookingsTable.Table, bookings, BookingsTable.Rows);
        var users = list.GroupBy(e => (Minute(e), PartitionOf(e)))
            .SelectMany(g => g.GroupBy(e => ("platform", e.Platform)).Append(g.GroupBy(_ => ("all", "")).Single()).Concat(g.GroupBy(e => ("country", e.Country)))
                .Select(d => new ConcurrentUsersPerMinute(g.Key.Item1, d.Key.Item1, d.Key.Item2, g.Key.Item2, 100, false, d.Select(e => e.UserId).Distinct().Count())))
            .ToList();
        await client.InsertRowBinaryAsync(ConcurrentUsersTable.Table, users, ConcurrentUsersTable.Rows);
        var popularity = list.Where(e => e.Type is EventTypes.ProductView or EventTypes.BookingConfirmed)
            .GroupBy(e => (Minute(e), e.ProductId!))
            .Select(g => new ProductPopularityPerMinute(g.Key.Item1, g.Key.Item2, 0, 100, false,
                g.Count(e => e.Type == EventTypes.ProductView), 0, g.Count(e => e.Type == EventTypes.BookingConfirmed),
                g.Count(e => e.Type == EventTypes.ProductView) + (20.0 * g.Count(e => e.Type == EventTypes.BookingConfirmed))))
            .ToList();
        await client.InsertRowBinaryAsync(PopularityTable.Table, popularity, PopularityTable.Rows);
    }

    private static List<AppEvent> Traffic(int minutes) =>
        [.. Enumerable.Range(0, minutes * 20).Select(i => Event(
            i, i % 4 == 0 ? EventTypes.BookingConfirmed : EventTypes.ProductView, "u" + (i % 9), "p" + (i % 3), T0.AddSeconds(i * 3),
            platform: i % 2 == 0 ? "ios" : "android"))];

    private static AppEvent Event(int i, string type, string user, string product, DateTimeOffset at, string platform) =>
        new("e-" + i, type, user, "s-" + user, product, at, platform, "KR", "Seoul",
            type == EventTypes.BookingConfirmed ? 1000 + i : null, type == EventTypes.BookingConfirmed ? "KRW" : null, at.AddSeconds(1), "tour");

    private static DateTimeOffset Minute(AppEvent e) => new(e.OccurredAt.UtcTicks - (e.OccurredAt.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);

    private static int PartitionOf(AppEvent e) => int.Parse(e.UserId[1..], System.Globalization.CultureInfo.InvariantCulture) % 3;
}

[Collection(ClickHouseCollection.Name)]
public sealed class LedgerOnServerTests(ClickHouseServerFixture engine) : LedgerTests(engine);

[Collection(ChdbCollection.Name)]
public sealed class LedgerOnChdbTests(ChdbFixture engine) : LedgerTests(engine);

public sealed record LineRow(string Line);

public sealed record StatusRow(long MinuteUnix, string Metric, string LastStatus);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(LineRow))]
[JsonSerializable(typeof(StatusRow))]
internal sealed partial class LedgerTestJson : JsonSerializerContext;
