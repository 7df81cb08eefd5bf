using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.DevHost.Fleet;
using Streaming.DevHost.Simulation;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.Metrics.Bookings;
using Streaming.Metrics.RawEvents;

namespace Streaming.IntegrationTests;

/// <summary>
/// A fleet in CDC mode (Bookings__Source=cdc): bookings come from Debezium change events of a bookings table on
/// cdc.bookings. Its collection runs alone, after the others, so that two fleets never work at once.
/// </summary>
[Collection(CdcFleetCollection.Name)]
public sealed class BookingsFromCdcTests(CdcFleetFixture fixture)
{
    /// <summary>Products of the crash test, whose bookings the other test leaves out of its comparison.</summary>
    private const string CrashPrefix = "crash-";

    [Fact]
    public async Task A_snapshot_then_streaming_redeliveries_and_a_re_snapshot_give_exact_bookings_and_cancellations()
    {
        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(-20);
        var catalog = new Catalog(seed: 5, products: 40, users: 200);
        // The aggregator's counters so far (the other test may have run first): this test checks what it adds.
        var aggregatorMetrics = fixture.Fleet.Service(LocalFleet.Aggregator).Url + "/metrics";
        var before = await fixture.Http.GetStringAsync(aggregatorMetrics);
        using var writer = new BookingChangeWriter(fixture.Fleet.KafkaBootstrap, Topics.CdcBookings, seed: 5);
        var table = writer.Table;

        // The rows that exist when the connector starts, read by its snapshot (op r).
        table.Seed(catalog, bookings: 150, now: start.AddMinutes(5));
        writer.Write(table.Snapshot(now));

        // Then streaming: inserts and updates with before images, some confirmed bookings cancelled, some holds abandoned.
        var random = new Random(5);
        var streamed = new List<ChangeRecord>();
        for (var i = 0; i < 400; i++)
        {
            var user = catalog.Users[random.Next(catalog.Users.Count)];
            var product = catalog.Products[random.Next(catalog.Products.Count)];
            var type = random.NextDouble() < 0.85 ? EventTypes.BookingConfirmed : EventTypes.BookingCancelled;
            var at = start.AddMinutes(6).AddMilliseconds(random.Next(0, 5 * 60_000));
            var booking = new IncomingEvent("sim-" + i.ToString(CultureInfo.InvariantCulture), type, user.Id, "s", product.Id,
                at.ToString("O", CultureInfo.InvariantCulture), user.Platform, user.Country, product.City, product.PriceMinor, product.Currency, product.Category);
            streamed.AddRange(table.Apply(booking, now));
        }

        var deleted = table.DeleteAbandoned(now);
        Assert.Equal(2, deleted.Count);
        streamed.AddRange(deleted);
        writer.Write(streamed);

        // At-least-once: the connector restarts from an earlier position and sends a stretch of changes again.
        writer.Write(streamed[..150]);
        // Bad change events are dead-lettered with their reasons, between the changes around them: one that misses a
        // field, and the three that once stopped the aggregator (an op that is a lone surrogate, bytes that are not
        // UTF-8, a change too large for a dead letter of its own size).
        var bad = new ChangeRecord("{\"booking_id\":999999}", Encoding.UTF8.GetBytes("{\"op\":\"u\",\"after\":{\"booking_id\":999999}}"));
        var notUtf8 = Encoding.UTF8.GetBytes("{\"op\":\"c\",\"after\":{\"booking_id\":999998,\"status\":\"confirmed@\"}}");
        notUtf8[Array.IndexOf(notUtf8, (byte)'@')] = 0xFF;
        List<ChangeRecord> poison =
        [
            bad,
            new("{\"booking_id\":999997}", Encoding.UTF8.GetBytes("{\"op\":\"\\ud800\",\"after\":{}}")),
            new("{\"booking_id\":999998}", notUtf8),
            new("{\"booking_id\":999996}", Encoding.UTF8.GetBytes("{\"op\":\"c\",\"after\":{\"booking_id\":999996,\"note\":\"" + new string('x', 800_000) + "\"}}")),
        ];
        writer.Write([poison[0], .. streamed[150..160], poison[1], .. streamed[160..170], poison[2], .. streamed[170..180], poison[3]]);
        // A re-snapshot (a new connector, or an incremental snapshot) reads every row again.
        writer.Write(table.Snapshot(now));

        var expected = GroundTruth(table.Outcomes);
        Assert.True(table.Outcomes.Count(o => o.Type == EventTypes.BookingCancelled) > 20, "the run should cancel a few dozen bookings");
        Assert.True(expected.Count > 50, "the run should book many products in many minutes");
        await WaitForExactTotalsAsync(expected);

        // events_raw holds each booking event once (FINAL collapses re-delivered copies, if any).
        var raw = await fixture.ClickHouse.ScalarAsync(
            $"SELECT toString(count()) FROM {Sql.Identifier(RawEventsTable.Table)} FINAL WHERE type IN ('booking_confirmed', 'booking_cancelled')");
        Assert.Equal(table.Outcomes.Count.ToString(CultureInfo.InvariantCulture), raw);

        var letters = fixture.ReadWholeTopic(Topics.DeadLetter)
            .Select(r => JsonSerializer.Deserialize(r.Message.Value, DeadLetterJsonContext.Default.DeadLetter)!)
            .Where(l => l.Topic == Topics.CdcBookings)
            .ToList();
        Assert.Equal(poison.Count, letters.Count);
        Assert.All(letters, l => Assert.Equal("aggregator.bookings-cdc", l.Source));
        Assert.All(letters, l => Assert.False(string.IsNullOrWhiteSpace(l.Reason)));
        Assert.Equal("after.user_id is missing", letters.Single(l => l.Key == poison[0].Key).Reason);
        Assert.All(letters, l => Assert.True(l.Payload.Length < 1_000_000, "a dead letter must fit in a Kafka record"));
        Assert.False(fixture.Fleet.Service(LocalFleet.Aggregator).HasExited, "the aggregator exited");

        // The delete and its tombstone are counted, not cancelled; the redelivered changes were recognised.
        var after = await fixture.Http.GetStringAsync(aggregatorMetrics);
        long Added(string outcome) => CdcChanges(after, outcome) - CdcChanges(before, outcome);
        Assert.Equal(1, Added("deleted"));
        Assert.Equal(1, Added("tombstone"));
        Assert.Equal(poison.Count, Added("rejected"));
        Assert.True(Added("already_sent") > 0, "the redelivered confirmations and cancellations should be recognised");
        Assert.Equal(table.Outcomes.Count(o => o.Type == EventTypes.BookingConfirmed), Added("confirmed"));
        Assert.Equal(table.Outcomes.Count(o => o.Type == EventTypes.BookingCancelled), Added("cancelled"));
    }

    [Fact]
    public async Task Changes_translated_again_after_the_aggregator_is_killed_are_the_same_events_and_none_is_lost()
    {
        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(-30);
        using var writer = new BookingChangeWriter(fixture.Fleet.KafkaBootstrap, Topics.CdcBookings, seed: 9, firstBookingId: 5_000_001);
        var table = writer.Table;
        var random = new Random(9);
        var batches = new List<List<ChangeRecord>>();
        for (var b = 0; b < 6; b++)
        {
            var batch = new List<ChangeRecord>();
            for (var i = 0; i < 100; i++)
            {
                var type = random.NextDouble() < 0.85 ? EventTypes.BookingConfirmed : EventTypes.BookingCancelled;
                var product = CrashPrefix + random.Next(20).ToString("D2", CultureInfo.InvariantCulture);
                var at = start.AddMilliseconds(random.Next(0, 10 * 60_000));
                var booking = new IncomingEvent("c", type, "u-crash-" + random.Next(50).ToString(CultureInfo.InvariantCulture), "s", product,
                    at.ToString("O", CultureInfo.InvariantCulture), "web", "KR", "Seoul", random.Next(1, 100) * 1000L, "KRW", "tour");
                batch.AddRange(table.Apply(booking, now));
            }

            batches.Add(batch);
        }

        for (var b = 0; b < batches.Count; b++)
        {
            if (b is 2 or 4)
            {
                // SIGKILL while the changes before are being translated: offsets stored only after their events were acknowledged.
                await fixture.Fleet.CrashAndRestartAsync(LocalFleet.Aggregator, CancellationToken.None);
            }

            writer.Write(batches[b]);
        }

        // Every booking and cancellation reaches the events topic (perhaps some twice: what a killed translator sent but
        // had not committed is translated again).
        int Sent() => fixture.ReadWholeTopic(Topics.Events).Count(r => Encoding.UTF8.GetString(r.Message.Value).Contains($"\"product_id\":\"{CrashPrefix}", StringComparison.Ordinal));
        var translated = await Eventually.HoldsAsync(
            () => Task.FromResult(Sent()),
            count => count >= table.Outcomes.Count,
            TimeSpan.FromSeconds(90),
            count => $"{count} booking events on the events topic, {table.Outcomes.Count} bookings and cancellations");

        // The restarted translator has forgotten every booking: a re-snapshot sends the confirmed ones again, same ids.
        await fixture.Fleet.CrashAndRestartAsync(LocalFleet.Aggregator, CancellationToken.None);
        writer.Write(table.Snapshot(now));

        var ours = $"type IN ('booking_confirmed', 'booking_cancelled') AND startsWith(product_id, {Sql.String(CrashPrefix)})";
        var expected = table.Outcomes.Count.ToString(CultureInfo.InvariantCulture);
        var sent = await Eventually.HoldsAsync(
            () => Task.FromResult(Sent()),
            count => count >= translated + table.Outcomes.Count(o => o.Type == EventTypes.BookingConfirmed && table.IsConfirmed(o.BookingId)),
            TimeSpan.FromSeconds(90),
            count => $"{count} booking events on the events topic, {translated} before the re-snapshot");
        await Eventually.HoldsAsync(
            async () => await fixture.ClickHouse.ScalarAsync($"SELECT toString(count()) FROM {Sql.Identifier(RawEventsTable.Table)} FINAL WHERE {ours}"),
            count => count == expected,
            TimeSpan.FromSeconds(60),
            count => $"{count} booking events in events_raw FINAL, expected {expected} ({sent} sent)");
        Assert.Equal(expected, await fixture.ClickHouse.ScalarAsync($"SELECT toString(uniqExact(user_id, event_id)) FROM {Sql.Identifier(RawEventsTable.Table)} WHERE {ours}"));
    }

    [Fact]
    public async Task Ingest_refuses_booking_events_from_apps_in_cdc_mode()
    {
        var booking = new IncomingEvent("app-1", EventTypes.BookingConfirmed, "u-app", "s-app", "tour-x", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            "ios", "KR", "Seoul", 5000, "KRW");
        using var response = await fixture.Ingest.PostAsJsonAsync("/v1/events", new List<IncomingEvent> { booking }, EventJsonContext.Default.ListIncomingEvent);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), ItJson.Default.ProblemBody)!;
        Assert.Contains("Bookings:Source=cdc", Assert.Single(problem.Errors!["[0].type"]), StringComparison.Ordinal);
    }

    /// <summary>Bookings, revenue, cancellations and cancelled revenue per (minute, product, currency), from the table's history.</summary>
    private static Dictionary<(DateTimeOffset, string, string), CdcTotals> GroundTruth(List<BookingOutcome> outcomes) =>
        outcomes
            .GroupBy(o => (new DateTimeOffset(o.At.UtcTicks - o.At.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero), o.ProductId, o.Currency))
            .ToDictionary(g => g.Key, g => new CdcTotals(
                g.LongCount(o => o.Type == EventTypes.BookingConfirmed),
                g.Where(o => o.Type == EventTypes.BookingConfirmed).Sum(o => o.Amount),
                g.LongCount(o => o.Type == EventTypes.BookingCancelled),
                g.Where(o => o.Type == EventTypes.BookingCancelled).Sum(o => o.Amount)));

    private Task WaitForExactTotalsAsync(Dictionary<(DateTimeOffset, string, string), CdcTotals> expected) =>
        Eventually.HoldsAsync(
            async () => (await fixture.ClickHouse.QueryAsync(
                    $"SELECT toUInt32(minute) AS minute_unix, dimension_value AS product_id, currency, bookings, revenue_minor, cancellations, cancelled_revenue_minor " +
                    $"FROM {Sql.Identifier(BookingsTable.PerMinute)} WHERE dimension = 'product' AND NOT startsWith(dimension_value, {Sql.String(CrashPrefix)})",
                    CdcJson.Default.CdcBookingRow))
                .ToDictionary(r => (DateTimeOffset.FromUnixTimeSeconds(r.MinuteUnix), r.ProductId, r.Currency), r => new CdcTotals(r.Bookings, r.RevenueMinor, r.Cancellations, r.CancelledRevenueMinor)),
            actual => expected.Count == actual.Count && expected.All(e => actual.TryGetValue(e.Key, out var a) && a == e.Value),
            TimeSpan.FromSeconds(120),
            actual => $"{actual.Count} rows, {actual.Values.Sum(v => v.Bookings)} bookings, {actual.Values.Sum(v => v.Cancellations)} cancellations; expected {expected.Count} rows, "
                + $"{expected.Values.Sum(v => v.Bookings)} bookings, {expected.Values.Sum(v => v.Cancellations)} cancellations; "
                + $"first difference: {expected.FirstOrDefault(e => !actual.TryGetValue(e.Key, out var a) || a != e.Value)}");

    /// <summary>The value of streaming_cdc_changes_total for one outcome in a Prometheus page (0 when absent).</summary>
    private static long CdcChanges(string metrics, string outcome) => metrics.Split('\n')
        .Where(l => l.StartsWith("streaming_cdc_changes_total{", StringComparison.Ordinal) && l.Contains($"outcome=\"{outcome}\"", StringComparison.Ordinal))
        .Sum(l => (long)double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}

public sealed record CdcTotals(long Bookings, long Revenue, long Cancellations, long CancelledRevenue);

public sealed record CdcBookingRow(long MinuteUnix, string ProductId, string Currency, long Bookings, long RevenueMinor, long Cancellations, long CancelledRevenueMinor);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(CdcBookingRow))]
internal sealed partial class CdcJson : JsonSerializerContext;

/// <summary>A fleet of its own in CDC mode, with the shared fixture's short timings.</summary>
public sealed class CdcFleetFixture : IAsyncLifetime
{
    private readonly HttpClient clickHouseHttp = new();

    public LocalFleet Fleet { get; private set; } = null!;

    public HttpClient Ingest { get; private set; } = null!;

    public HttpClient Http { get; } = new();

    public ClickHouseClient ClickHouse { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var state = Path.Combine(ServiceLayout.RepositoryRoot(), "artifacts", "integration-fleet-cdc");
        if (Directory.Exists(state))
        {
            Directory.Delete(state, recursive: true);
        }

        var settings = new FleetSettings
        {
            StateFolder = state,
            ProfileSilos = 1,
            ClickHouseDatabase = "it_cdc_" + Guid.NewGuid().ToString("N")[..10],
            ServiceConfiguration = new Dictionary<string, string>
            {
                ["Bookings__Source"] = BookingsOptions.FromCdc,
                ["Aggregator__Grace"] = "00:00:02",
                ["Aggregator__IdleTimeout"] = "00:00:01",
                ["Topology__CommitInterval"] = "00:00:00.200",
                ["Topology__CheckpointInterval"] = "00:00:00.200",
                ["Sink__BatchAge"] = "00:00:00.200",
                ["Kafka__SessionTimeoutMs"] = "6000",
            },
        };
        Fleet = await LocalFleet.StartAsync(settings, _ => { }, CancellationToken.None);
        Ingest = new HttpClient { BaseAddress = new Uri(Fleet.IngestUrl) };
        Ingest.DefaultRequestHeaders.Add("X-Api-Key", settings.ApiKey);
        ClickHouse = new ClickHouseClient(clickHouseHttp, Options.Create(Fleet.ClickHouseOptions));
    }

    public List<Confluent.Kafka.ConsumeResult<string, byte[]>> ReadWholeTopic(string topic) => TopicReader.ReadAll(Fleet.KafkaBootstrap, topic);

    public async Task DisposeAsync()
    {
        Ingest?.Dispose();
        Http.Dispose();
        clickHouseHttp.Dispose();
        if (Fleet is not null)
        {
            await Fleet.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CdcFleetCollection : ICollectionFixture<CdcFleetFixture>
{
    public const string Name = "cdc-fleet";
}
