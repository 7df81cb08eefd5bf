using System.Net;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Streaming.Kafka;

namespace Streaming.IntegrationTests;

/// <summary>Bad requests get a 4xx problem+json naming the field, and nothing of them reaches Kafka.</summary>
[Collection(FleetCollection.Name)]
public sealed class BadInputTests(FleetFixture fixture)
{
    private const string Poison = "poison-product";

    private static string Event(string fields = "", string? drop = null)
    {
        var all = new Dictionary<string, string>
        {
            ["event_id"] = "\"bad-1\"",
            ["type"] = "\"booking_confirmed\"",
            ["user_id"] = "\"u1\"",
            ["session_id"] = "\"s1\"",
            ["product_id"] = $"\"{Poison}\"",
            ["occurred_at"] = $"\"{DateTimeOffset.UtcNow.AddMinutes(-1):yyyy-MM-ddTHH:mm:ssZ}\"",
            ["platform"] = "\"ios\"",
            ["country"] = "\"KR\"",
            ["city"] = "\"Seoul\"",
            ["amount"] = "1000",
            ["currency"] = "\"KRW\"",
        };
        if (drop is not null)
        {
            all.Remove(drop);
        }

        var body = string.Join(",", all.Select(kv => $"\"{kv.Key}\":{kv.Value}"));
        return "{" + body + (fields.Length > 0 ? "," + fields : "") + "}";
    }

    public static TheoryData<string, string, string> BadBodies() => new()
    {
        { "missing user_id", "[" + Event(drop: "user_id") + "]", "[0].user_id" },
        { "second event lacks occurred_at", "[" + Event() + "," + Event(drop: "occurred_at") + "]", "[1].occurred_at" },
        { "amount is text", "[" + Event(drop: "amount").Replace("}", ",\"amount\":\"lots\"}", StringComparison.Ordinal) + "]", "[0].amount" },
        { "unknown type", "[" + Event(drop: "type").Replace("}", ",\"type\":\"purchase\"}", StringComparison.Ordinal) + "]", "[0].type" },
        { "unknown field", "[" + Event("\"usr_id\":\"u2\"") + "]", "[0].usr_id" },
        { "not an array", Event(), "body" },
        { "truncated JSON", "[" + Event()[..40], "[0]" },
        { "empty array", "[]", "body" },
        { "too many events", "[" + string.Join(",", Enumerable.Repeat(Event(), 501)) + "]", "body" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Invalid_requests_get_400_with_a_problem_naming_the_field(string why, string body, string field)
    {
        using var response = await fixture.Ingest.PostAsync("/v1/events", new StringContent(body, Encoding.UTF8, "application/json"));
        var problem = await ReadProblem(response);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{why}: got {(int)response.StatusCode}");
        Assert.True(problem.Errors?.Keys.Any(k => k.StartsWith(field, StringComparison.Ordinal)) == true,
            $"{why}: expected an error for '{field}', got [{string.Join(", ", problem.Errors?.Keys.ToArray() ?? [])}]");
        AssertNothingReachedKafka();
    }

    [Fact]
    public async Task An_oversized_body_gets_413_with_a_problem()
    {
        var body = "[" + string.Join(",", Enumerable.Repeat(Event(), 400)) + "]" + new string(' ', 300_000);
        using var response = await fixture.Ingest.PostAsync("/v1/events", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("body", (await ReadProblem(response)).Errors!.Keys);
        AssertNothingReachedKafka();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    public async Task Requests_without_a_valid_api_key_get_401(string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.Fleet.IngestUrl + "/v1/events")
        {
            Content = new StringContent("[" + Event() + "]", Encoding.UTF8, "application/json"),
        };
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        using var http = new HttpClient();
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        AssertNothingReachedKafka();
    }

    [Theory]
    [InlineData("from=yesterday&to=2026-11-21T10:00:00Z", "from")]
    [InlineData("from=2026-11-21T10:00:00Z", "to")]
    [InlineData("from=2026-11-21T10:00:00Z&to=2026-11-21T09:00:00Z", "to")]
    [InlineData("from=2026-01-01T00:00:00Z&to=2026-11-21T00:00:00Z", "to")]
    public async Task Gateway_refuses_bad_metric_queries_with_a_problem_naming_the_parameter(string query, string field)
    {
        using var response = await fixture.Gateway.GetAsync("/v1/metrics/bookings?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, (await ReadProblem(response)).Errors!.Keys);
    }

    [Fact]
    public async Task An_unreadable_record_on_the_events_topic_goes_to_the_dead_letter_topic_with_the_reason()
    {
        var key = "dlq-" + Guid.NewGuid().ToString("N");
        KafkaNative.EnsureLoaded();
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = fixture.Fleet.KafkaBootstrap }).Build())
        {
            await producer.ProduceAsync(Topics.Events, new Message<string, byte[]> { Key = key, Value = Encoding.UTF8.GetBytes("{not json") });
        }

        var letter = await Eventually.HoldsAsync(
            () => Task.FromResult(fixture.ReadWholeTopic(Topics.DeadLetter)
                .Select(r => JsonSerializer.Deserialize(r.Message.Value, DeadLetterJsonContext.Default.DeadLetter)!)
                .FirstOrDefault(d => d.Key == key)),
            found => found is not null,
            TimeSpan.FromSeconds(30),
            _ => "no dead letter with that key yet");
        Assert.Equal(Topics.Events, letter!.Topic);
        Assert.Contains("not a valid AppEvent", letter.Reason, StringComparison.Ordinal);
        Assert.Equal("{not json", Encoding.UTF8.GetString(Convert.FromBase64String(letter.Payload)));
    }

    private void AssertNothingReachedKafka()
    {
        var records = fixture.ReadWholeTopic(Topics.Events);
        Assert.DoesNotContain(records, r => Encoding.UTF8.GetString(r.Message.Value).Contains(Poison, StringComparison.Ordinal));
    }

    private static async Task<ProblemBody> ReadProblem(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), ItJson.Default.ProblemBody)!;
    }
}
