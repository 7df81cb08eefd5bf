using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.DevHost.Fleet;
using Streaming.Events;
using Streaming.Metrics;
using Streaming.Metrics.Bookings;
using Streaming.Metrics.Ledger;
using Streaming.Metrics.RawEvents;

namespace Streaming.IntegrationTests;

/// <summary>
/// The demo's case and the ledger through the real fleet, with ClickHouse kept across three runs of everything else:
/// run 1 counts some minutes; run 2 starts on an empty local Kafka (offsets restart at 0) and late events for those
/// minutes add to them (incarnations, no ledger), then a minute's rows are deleted and a partition's events are never
/// aggregated (only in events_raw); run 3 has the ledger on: it finds and repairs them while the sink (which runs the
/// reconciler) is killed with SIGKILL at random points; the views end exact and a re-check asked for through the gateway changes nothing.
/// </summary>
[Collection(Name)]
public sealed class LedgerEndToEndTests
{
    public const string Name = "ledger-fleet";
    private static readonly string[] Products = ["led-p1", "led-p2", "led-p3"];

    [Fact]
    public async Task A_restarted_Kafka_then_deleted_rows_and_unaggregated_events_end_exact_with_the_reconciler_killed()
    {
        var state = Path.Combine(ServiceLayout.RepositoryRoot(), "artifacts", "integration-ledger");
        if (Directory.Exists(state))
        {
            Directory.Delete(state, recursive: true);
        }

        var database = "led_" + Guid.NewGuid().ToString("N")[..10];
        var now = DateTimeOffset.UtcNow;
        var first = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(-12);
        var run1 = Generate("r1", first, minutes: 4, count: 800, users: "u", seed: 1);
        var run2 = Generate("r2", first, minutes: 4, count: 200, users: "late-u", seed: 2); // late, other users
        var unaggregated = Generate("r3", first.AddMinutes(2), minutes: 1, count: 150, users: "u", seed: 3);
        var deleted = first.AddMinutes(1);
        var all = run1.Concat(run2).ToList();

        await using (var fleet = await StartAsync(state, database, ledger: false))
        {
            await PostAsync(fleet, run1);
            await AssertExactAsync(fleet, first, run1);
        }

        await using (var fleet = await StartAsync(state, database, ledger: false))
        {
            // The new Kafka's offsets start at 0: by revision alone every result here would lose to run 1's.
            await PostAsync(fleet, run2);
            await AssertExactAsync(fleet, first, all);

            // Gaps, before the ledger runs: a minute's bookings rows deleted, and a partition whose events were never
            // aggregated (in events_raw only, with users of run 1, so distinct counts must merge).
            var clickHouse = Client(fleet);
            await clickHouse.ExecuteAsync($"ALTER TABLE {BookingsTable.Table} DELETE WHERE window_start = {Sql.DateTime(deleted)}");
            await Eventually.HoldsAsync(
                () => clickHouse.ScalarAsync($"SELECT count() FROM {BookingsTable.Table} WHERE window_start = {Sql.DateTime(deleted)}"),
                c => c == "0", TimeSpan.FromSeconds(30), c => c ?? "");
            await clickHouse.InsertRowBinaryAsync(RawEventsTable.Table, [.. unaggregated.Select(Canonical)], RawEventsTable.Rows);
            all.AddRange(unaggregated);
        }

        await using (var fleet = await StartAsync(state, database, ledger: true))
        {
            var clickHouse = Client(fleet);
            // The reconciler's first pass starts as soon as the sink is ready: kill it 0-400 ms into its work, four times.
            var random = new Random(5);
            for (var kill = 0; kill < 4; kill++)
            {
                await Task.Delay(random.Next(0, 400));
                await fleet.CrashAndRestartAsync(LocalFleet.ClickHouseSink, CancellationToken.None);
            }

            await AssertExactAsync(fleet, first, all);

            // A re-check of the range through the gateway: every minute checked again, nothing rewritten.
            var markers = await clickHouse.ScalarAsync($"SELECT count() FROM {Repairs.Table}");
            using var gateway = new HttpClient { BaseAddress = new Uri(fleet.GatewayUrl) };
            var range = $"from={first:yyyy-MM-ddTHH:mm:ssZ}&to={first.AddMinutes(4):yyyy-MM-ddTHH:mm:ssZ}";
            using (var refused = await gateway.PostAsync("/v1/ledger/recheck?" + range, null))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            }

            // The apps' key is known but lacks the operator scope.
            using (var app = new HttpRequestMessage(HttpMethod.Post, "/v1/ledger/recheck?" + range))
            {
                app.Headers.Add("X-Api-Key", fleet.Settings.ApiKey);
                using var forbidden = await gateway.SendAsync(app);
                Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
            }

            gateway.DefaultRequestHeaders.Add("X-Api-Key", fleet.Settings.OperatorKey);
            using (var accepted = await gateway.PostAsync("/v1/ledger/recheck?" + range, null))
            {
                Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            }

            var ledger = await Eventually.HoldsAsync(
                () => gateway.GetFromJsonAsync("/v1/ledger?" + range, LedgerTestJson.Default.LedgerBody)!,
                l => l!.Rows.Count == 12 && l.Rows.All(r => r.Status != LedgerTable.Pending),
                TimeSpan.FromSeconds(60),
                l => string.Join(", ", l!.Rows.Select(r => $"{r.Minute:HH:mm} {r.Metric} {r.Status}")));
            Assert.Contains(ledger!.Rows, r => r.Minute == deleted && r.Metric == LedgerMetric.Bookings.Name && r.Status == LedgerTable.Repaired);
            Assert.Contains(ledger.Rows, r => r.Minute == first.AddMinutes(2) && r.Metric == LedgerMetric.ConcurrentUsers.Name && r.Status == LedgerTable.Repaired);
            Assert.Equal(markers, await clickHouse.ScalarAsync($"SELECT count() FROM {Repairs.Table}"));
            await AssertExactAsync(fleet, first, all);
        }
    }

    private static async Task<LocalFleet> StartAsync(string state, string database, bool ledger) =>
        await LocalFleet.StartAsync(
            new FleetSettings
            {
                StateFolder = state,
                ClickHouseDatabase = database,
                ServiceConfiguration = new Dictionary<string, string>
                {
                    ["Aggregator__Grace"] = "00:00:02",
                    ["Aggregator__IdleTimeout"] = "00:00:01",
                    ["Topology__CheckpointInterval"] = "00:00:00.200",
                    ["Sink__BatchAge"] = "00:00:00.200",
                    ["Kafka__SessionTimeoutMs"] = "6000",
                    ["Ledger__Enabled"] = ledger ? "true" : "false",
                    ["Ledger__CheckDelay"] = "00:00:05",
                    ["Ledger__Interval"] = "00:00:01",
                    ["Ledger__RepairWithin"] = "00:00:30",
                },
            },
            _ => { },
            CancellationToken.None);

    private static ClickHouseClient Client(LocalFleet fleet) => new(new HttpClient(), Options.Create(fleet.ClickHouseOptions));

    private static async Task PostAsync(LocalFleet fleet, List<IncomingEvent> events)
    {
        using var ingest = new HttpClient { BaseAddress = new Uri(fleet.IngestUrl) };
        ingest.DefaultRequestHeaders.Add("X-Api-Key", fleet.Settings.ApiKey);
        foreach (var batch in events.Chunk(250))
        {
            using var response = await ingest.PostAsJsonAsync("/v1/events", batch.ToList(), EventJsonContext.Default.ListIncomingEvent);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
    }

    /// <summary>Bookings per (minute, product), users per minute, views per (minute, product): the views against the events.</summary>
    private static async Task AssertExactAsync(LocalFleet fleet, DateTimeOffset first, List<IncomingEvent> events)
    {
        var clickHouse = Client(fleet);
        var range = $"minute >= {Sql.DateTime(first)} AND minute < {Sql.DateTime(first.AddMinutes(4))}";
        var expected = Expected(events);
        var verdict = await Eventually.HoldsAsync(
            async () =>
            {
                var seen = await clickHouse.QueryAsync(
                    $"SELECT concat('bookings|', toString(toUInt32(minute)), '|', dimension_value, '|', toString(bookings), '|', toString(revenue_minor)) AS line FROM bookings_per_minute WHERE dimension = 'product' AND {range} " +
                    $"UNION ALL SELECT concat('users|', toString(toUInt32(minute)), '|', toString(users)) AS line FROM concurrent_users_per_minute WHERE dimension = 'all' AND users > 0 AND {range} " +
                    $"UNION ALL SELECT concat('views|', toString(toUInt32(minute)), '|', product_id, '|', toString(views)) AS line FROM popularity_per_minute WHERE views > 0 AND {range}",
                    LedgerTestJson.Default.LineRow);
                var lines = seen.Select(r => r.Line).ToHashSet();
                return expected.Except(lines).Select(l => "missing " + l).Concat(lines.Except(expected).Select(l => "unexpected " + l)).ToList();
            },
            differences => differences.Count == 0,
            TimeSpan.FromSeconds(120),
            differences => string.Join("; ", differences.Take(6)));
        Assert.Empty(verdict);
    }

    private static HashSet<string> Expected(List<IncomingEvent> events)
    {
        static long Minute(IncomingEvent e) => EventTime.Parse(e.OccurredAt!).ToUnixTimeSeconds() / 60 * 60;
        var lines = new HashSet<string>(StringComparer.Ordinal);
        foreach (var g in events.Where(e => e.Type == EventTypes.BookingConfirmed).GroupBy(e => (Minute(e), e.ProductId)))
        {
            lines.Add($"bookings|{g.Key.Item1}|{g.Key.ProductId}|{g.Count()}|{g.Sum(e => e.Amount)}");
        }

        foreach (var g in events.GroupBy(Minute))
        {
            lines.Add($"users|{g.Key}|{g.Select(e => e.UserId).Distinct().Count()}");
        }

        foreach (var g in events.Where(e => e.Type == EventTypes.ProductView).GroupBy(e => (Minute(e), e.ProductId)))
        {
            lines.Add($"views|{g.Key.Item1}|{g.Key.ProductId}|{g.Count()}");
        }

        return lines;
    }

    private static AppEvent Canonical(IncomingEvent e) => new(
        e.EventId!, e.Type!, e.UserId!, e.SessionId!, e.ProductId, EventTime.Parse(e.OccurredAt!), e.Platform!, e.Country!, e.City, e.Amount, e.Currency,
        DateTimeOffset.UtcNow, e.Category);

    private static List<IncomingEvent> Generate(string prefix, DateTimeOffset first, int minutes, int count, string users, int seed)
    {
        var random = new Random(seed);
        var span = TimeSpan.FromMinutes(minutes).Ticks;
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var at = first.AddTicks(span * i / count);
            var type = random.Next(10) switch { < 6 => EventTypes.ProductView, < 8 => EventTypes.BookingConfirmed, _ => EventTypes.AppOpen };
            var booking = type == EventTypes.BookingConfirmed;
            var user = users + random.Next(60).ToString(CultureInfo.InvariantCulture);
            return new IncomingEvent(
                $"led-{prefix}-{i}", type, user, "s-" + user, type == EventTypes.AppOpen ? null : Products[random.Next(Products.Length)],
                at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture), "ios", "KR", "Seoul",
                booking ? 1000 + random.Next(100) : null, booking ? "KRW" : null, "tour");
        })];
    }
}

internal sealed record LineRow(string Line);

internal sealed record LedgerBodyRow(DateTimeOffset Minute, string Metric, string Status);

internal sealed record LedgerBody(List<LedgerBodyRow> Rows);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(LineRow))]
[JsonSerializable(typeof(LedgerBody))]
internal sealed partial class LedgerTestJson : JsonSerializerContext;
