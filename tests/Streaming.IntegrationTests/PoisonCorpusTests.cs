using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Streaming.ClickHouse;
using Streaming.DevHost.Fleet;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.Metrics.Pushes;
using Xunit.Abstractions;

namespace Streaming.IntegrationTests;

/// <summary>
/// The poison corpus: every class of record that once stopped a service, or could, sent through ingest (refused with a
/// 400 naming the field) or written straight to the events topic between valid events, as an old or hostile producer
/// could. Afterwards no service process has exited, each poison record is on the dead-letter topic with its source and
/// reason, and the valid events around them are exact in the views, the live profiles and the push decisions.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class PoisonCorpusTests(FleetFixture fixture, ITestOutputHelper output)
{
    private const string Country = "XP";
    private const string Prefix = "pc-";
    private static readonly TestProduct[] Products =
    [
        new("pc-tour-1", "pc-tour", "PC Seoul", "KRW", 45_000), new("pc-tour-2", "pc-tour", "PC Busan", "KRW", 30_000),
        new("pc-stay-3", "pc-stay", "PC Tokyo", "JPY", 12_000),
    ];

    /// <summary>A request of one valid event, with the member named <paramref name="field"/> written as <paramref name="json"/> instead.</summary>
    private static string IncomingJson(string field = "", string json = "")
    {
        var at = DateTimeOffset.UtcNow.AddMinutes(-2).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var fields = new List<(string Name, string Json)>
        {
            ("event_id", "\"pc-refused\""), ("type", "\"product_view\""), ("user_id", "\"pc-refused-user\""), ("session_id", "\"s\""),
            ("product_id", "\"pc-refused-product\""), ("occurred_at", $"\"{at}\""), ("platform", "\"ios\""), ("country", "\"KR\""),
            ("city", "\"Seoul\""), ("category", "\"tour\""),
        };
        var body = string.Join(",", fields.Select(f => f.Name == field ? json : $"\"{f.Name}\":{f.Json}"));
        return "[{" + body + "}]";
    }

    public static TheoryData<string, string, string> RefusedByIngest() => new()
    {
        { "blank city", IncomingJson("city", "\"city\":\" \""), "[0].city" },
        { "blank category", IncomingJson("category", "\"category\":\"\\t \""), "[0].category" },
        { "NUL in user_id", IncomingJson("user_id", "\"user_id\":\"u\\u0000x\""), "[0].user_id" },
        { "CR LF in session_id", IncomingJson("session_id", "\"session_id\":\"s\\r\\nx\""), "[0].session_id" },
        { "bidi override in product_id", IncomingJson("product_id", "\"product_id\":\"pc-\\u202Eevil\""), "[0].product_id" },
        { "line separator in user_id", IncomingJson("user_id", "\"user_id\":\"u\\u2028x\""), "[0].user_id" },
        { "markup in product_id", IncomingJson("product_id", "\"product_id\":\"<script>alert(1)</script>\""), "[0].product_id" },
        { "lone surrogate in user_id", IncomingJson("user_id", "\"user_id\":\"u\\ud800\""), "[0].user_id" },
        { "leading space in user_id", IncomingJson("user_id", "\"user_id\":\" u1\""), "[0].user_id" },
        { "occurred_at as RFC 1123", IncomingJson("occurred_at", "\"occurred_at\":\"Mon, 07 Dec 2026 16:28:20 +00:00\""), "[0].occurred_at" },
        { "occurred_at as a US date", IncomingJson("occurred_at", "\"occurred_at\":\"12/07/2026 16:28:20\""), "[0].occurred_at" },
        { "occurred_at with a leading space", IncomingJson("occurred_at", "\"occurred_at\":\" 2026-12-07T16:28:20Z\""), "[0].occurred_at" },
        { "duplicate user_id", IncomingJson("user_id", "\"user_id\":\"\",\"user_id\":\"u\""), "[0].user_id" },
    };

    [Theory]
    [MemberData(nameof(RefusedByIngest))]
    public async Task Ingest_refuses_what_cannot_be_a_name_or_an_id(string why, string body, string field)
    {
        using var response = await fixture.Ingest.PostAsync("/v1/events", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{why}: got {(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), ItJson.Default.ProblemBody)!;
        Assert.True(problem.Errors?.ContainsKey(field) == true, $"{why}: expected an error for '{field}', got [{string.Join(", ", problem.Errors?.Keys.ToArray() ?? [])}]");
    }

    [Fact]
    public async Task Poison_records_on_the_events_topic_are_dead_lettered_and_the_records_around_them_count_exactly()
    {
        var started = fixture.Fleet.Services.ToDictionary(s => s.Name, s => s.ProcessId);
        var now = DateTimeOffset.UtcNow;
        var firstMinute = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(-27);
        var events = ViewTruth.Generate(Country, Products, firstMinute, minutes: 4, count: 1200, seed: 41, idPrefix: Prefix, homeCity: "PC Home");

        // A user who viewed a product three times 50 minutes ago (viewed_not_booked fires once), and one who viewed
        // another twice, each view posted twice as an app retrying would (it must not fire).
        var viewedAt = now.AddMinutes(-50);
        var pushViews = Enumerable.Range(0, 3).Select(i => View("pc-push-a", Products[0], viewedAt.AddSeconds(i), "pc-push-a-" + i)).ToList();
        var repostedViews = Enumerable.Range(0, 2).Select(i => View("pc-push-b", Products[1], viewedAt.AddSeconds(i), "pc-push-b-" + i)).ToList();

        KafkaNative.EnsureLoaded();
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = fixture.Fleet.KafkaBootstrap }).Build();
        var poison = Corpus(now);
        var written = new List<(string Class, TopicPartitionOffset At)>();
        var batches = events.Chunk(100).ToList();
        for (var i = 0; i < batches.Count; i++)
        {
            await PostAcceptedAsync(batches[i]);
            // Each poison record under the key of a user whose events surround it: same partition, between them.
            foreach (var (name, value) in poison.Skip(i * poison.Count / batches.Count).Take(((i + 1) * poison.Count / batches.Count) - (i * poison.Count / batches.Count)))
            {
                var result = await producer.ProduceAsync(Topics.Events, new Message<string, byte[]> { Key = batches[i][0].UserId!, Value = value });
                written.Add((name, result.TopicPartitionOffset));
            }
        }

        await PostAcceptedAsync(repostedViews);
        await PostAcceptedAsync(repostedViews);
        await PostAcceptedAsync(pushViews);
        Assert.Equal(poison.Count, written.Count);

        var truth = ViewTruth.From(Country, Products, events);
        var range = $"minute >= {Sql.DateTime(firstMinute)} AND minute < {Sql.DateTime(firstMinute.AddMinutes(4))}";
        var views = await Eventually.HoldsAsync(
            () => truth.DifferencesAsync(fixture.ClickHouse, Prefix, range), v => v.Count == 0, TimeSpan.FromSeconds(120), v => string.Join("; ", v.Take(5)));
        Assert.Empty(views);

        List<IncomingEvent> all = [.. events, .. pushViews, .. repostedViews];
        var profiles = await Eventually.HoldsAsync(() => ProfileDifferencesAsync(all), d => d.Count == 0, TimeSpan.FromSeconds(60), d => string.Join("; ", d));
        Assert.Empty(profiles);

        // The push for pc-push-a is decided after pc-push-b's views were read: by then a second count of them would show.
        await Eventually.HoldsAsync(() => PushDecisionsAsync("pc-push-a"), n => n == "1", TimeSpan.FromSeconds(60), n => $"{n} viewed-not-booked decisions for pc-push-a");
        Assert.Equal("0", await PushDecisionsAsync("pc-push-b"));

        var letters = await Eventually.HoldsAsync(
            () => Task.FromResult(DeadLetters()),
            found => written.All(w => found.ContainsKey(w.At)),
            TimeSpan.FromSeconds(60),
            found => "not dead-lettered: " + string.Join(", ", written.Where(w => !found.ContainsKey(w.At)).Select(w => w.Class)));
        foreach (var (name, at) in written)
        {
            foreach (var letter in letters[at])
            {
                Assert.False(string.IsNullOrWhiteSpace(letter.Reason), $"{name}: a dead letter from {letter.Source} has no reason");
                output.WriteLine($"{name}: {letter.Source}: {letter.Reason}");
            }
        }

        foreach (var stage in written.SelectMany(w => letters[w.At]).GroupBy(l => l.Source).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"dead letters from {stage.Key}: {stage.Count()}");
        }

        // The push trigger's status counts the letters its feed wrote (other tests' poison may add to them).
        var pushLetters = written.Sum(w => letters[w.At].Count(l => l.Source == "push-users"));
        using (var http = new HttpClient())
        using (var status = JsonDocument.Parse(await http.GetStringAsync(fixture.Fleet.Service(LocalFleet.PushTrigger).Url + "/v1/status")))
        {
            var counted = status.RootElement.GetProperty("dead_letters").EnumerateArray().Sum(c => c.GetProperty("count").GetInt64());
            Assert.True(counted >= pushLetters, $"the push trigger's /v1/status counts {counted} dead letters, its feed wrote {pushLetters} of this test's");
        }

        foreach (var service in fixture.Fleet.Services)
        {
            Assert.False(service.HasExited, $"{service.Name} exited: {service.Tail()}");
            Assert.True(started.TryGetValue(service.Name, out var pid) && pid == service.ProcessId, $"{service.Name} was started again during the test");
        }
    }

    /// <summary>Each class of poison record, as the bytes written to the events topic.</summary>
    private static List<(string Class, byte[] Value)> Corpus(DateTimeOffset now)
    {
        var valid = new AppEvent("pcx-e", EventTypes.ProductView, "pcx-user", "pcx-s", "pcx-product", now.AddMinutes(-25), "ios", "ZZ", "PCX City", null, null, now);
        var json = Json(valid);
        var booking = Json(valid with { Type = EventTypes.BookingConfirmed, Amount = 1000, Currency = "KRW" });
        string With(string field, string value, string? of = null) =>
            System.Text.RegularExpressions.Regex.Replace(of ?? json, $"\"{field}\":(\"[^\"]*\"|[^,}}]*)", $"\"{field}\":{value}");
        byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
        var invalidUtf8 = Utf8(With("product_id", "\"pcx-@\"")).ToArray();
        var at = Array.IndexOf(invalidUtf8, (byte)'@');
        invalidUtf8[at] = 0xC3; // starts a two-byte sequence that the next byte does not continue
        return
        [
            ("blank city", Utf8(With("city", "\" \""))),
            ("lone surrogate in type", Utf8(With("type", "\"\\ud800\""))),
            ("lone surrogate in user_id", Utf8(With("user_id", "\"u\\udc00\""))),
            ("invalid UTF-8 in product_id", invalidUtf8),
            ("not JSON", Utf8("{not json")),
            ("empty value", []),
            ("JSON null", Utf8("null")),
            ("JSON array", Utf8("[1,2]")),
            ("deep nesting", Utf8("{\"event_id\":" + new string('[', 5000) + new string(']', 5000) + "}")),
            ("300 KB product_id", Utf8(With("product_id", "\"" + new string('p', 300_000) + "\""))),
            ("NUL in product_id", Utf8(With("product_id", "\"pcx\\u0000\""))),
            ("blank product_id", Utf8(With("product_id", "\"   \""))),
            ("occurred_at not a time", Utf8(With("occurred_at", "\"yesterday\""))),
            ("user_id missing", Utf8(json.Replace("\"user_id\":\"pcx-user\",", "", StringComparison.Ordinal))),
            ("amount beyond any number", Utf8(With("amount", "1e400", booking))),
            ("truncated JSON", Utf8(json[..(json.Length / 2)])),
        ];
    }

    private static string Json(AppEvent e) => Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(e, EventJsonContext.Default.AppEvent));

    private static IncomingEvent View(string user, TestProduct product, DateTimeOffset at, string id) =>
        new(id, EventTypes.ProductView, user, "s-" + user, product.Id, at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            "ios", Country, product.City, null, null, product.Category);

    private async Task PostAcceptedAsync(IEnumerable<IncomingEvent> events)
    {
        using var response = await fixture.PostEventsAsync(events);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    /// <summary>What each product's live profile should count, from the events alone, against what the gateway answers.</summary>
    private async Task<List<string>> ProfileDifferencesAsync(List<IncomingEvent> events)
    {
        var differences = new List<string>();
        foreach (var product in Products)
        {
            var ofProduct = events.Where(e => e.ProductId == product.Id).ToList();
            long Count(string type) => ofProduct.Count(e => e.Type == type);
            var expected = new Dictionary<string, long>
            {
                ["views_last_hour"] = Count(EventTypes.ProductView),
                ["wishlists_last_24h"] = Count(EventTypes.WishlistAdd),
                ["bookings_last_hour"] = Count(EventTypes.BookingConfirmed),
                ["bookings_last_24h"] = Count(EventTypes.BookingConfirmed),
                ["cancellations_last_24h"] = Count(EventTypes.BookingCancelled),
            };
            using var response = await fixture.Gateway.GetAsync($"/v1/products/{product.Id}/live");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                differences.Add($"{product.Id}: {(int)response.StatusCode}");
                continue;
            }

            using var profile = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            differences.AddRange(expected
                .Where(e => profile.RootElement.GetProperty(e.Key).GetInt64() != e.Value)
                .Select(e => $"{product.Id} {e.Key}: {profile.RootElement.GetProperty(e.Key).GetInt64()}, expected {e.Value}"));
        }

        return differences;
    }

    private Task<string?> PushDecisionsAsync(string user) => fixture.ClickHouse.ScalarAsync(
        $"SELECT toString(uniqExact(push_id)) FROM {Sql.Identifier(PushDecisionsTable.Table)} " +
        $"WHERE user_id = {Sql.String(user)} AND rule = 'viewed-not-booked' AND outcome IN ('sent', 'held')");

    private Dictionary<TopicPartitionOffset, List<DeadLetter>> DeadLetters() =>
        fixture.ReadWholeTopic(Topics.DeadLetter)
            .Select(r => JsonSerializer.Deserialize(r.Message.Value, DeadLetterJsonContext.Default.DeadLetter)!)
            .Where(l => l.Topic == Topics.Events)
            .GroupBy(l => new TopicPartitionOffset(l.Topic, l.Partition, l.Offset))
            .ToDictionary(g => g.Key, g => g.ToList());
}
