using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Streaming.Events;
using Streaming.ServiceDefaults.RequestHead;

namespace Streaming.Ingest.Tests;

/// <summary>POST /v1/events in process: keys, validation, limits, and what reaches the events topic.</summary>
public sealed class IngestEndpointTests(IngestFactory factory) : IClassFixture<IngestFactory>
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);

    private static JsonObject Booking(string id, string user, int secondsAgo = 30) => new()
    {
        ["event_id"] = id,
        ["type"] = EventTypes.BookingConfirmed,
        ["user_id"] = user,
        ["session_id"] = "s-" + user,
        ["product_id"] = "tour-seoul-001",
        ["occurred_at"] = IngestFactory.Now.AddSeconds(-secondsAgo).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        ["platform"] = "ios",
        ["country"] = "KR",
        ["city"] = "Seoul",
        ["amount"] = 45000,
        ["currency"] = "KRW",
    };

    private static string Batch(params JsonObject[] events) => new JsonArray([.. events]).ToJsonString();

    private static string NewUser() => "u-" + Guid.NewGuid().ToString("N")[..12];

    private async Task<HttpResponseMessage> PostAsync(HttpContent content, string? key = IngestFactory.ApiKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events") { Content = content };
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        return await factory.CreateClient().SendAsync(request);
    }

    private Task<HttpResponseMessage> PostAsync(string body, string? key = IngestFactory.ApiKey) =>
        PostAsync(new StringContent(body, Encoding.UTF8, "application/json"), key);

    private static async Task<HttpValidationProblemDetails> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<HttpValidationProblemDetails>();
        Assert.NotNull(problem);
        Assert.Equal((int)status, problem.Status);
        return problem;
    }

    /// <summary>
    /// Sends a good event of <paramref name="user"/> after a refused request of the same user: had the refused request
    /// written anything, it would be in that user's partition before the marker.
    /// </summary>
    private async Task AssertNothingWrittenForAsync(string user)
    {
        var marker = "marker-" + Guid.NewGuid().ToString("N");
        using (var accepted = await PostAsync(Batch(Booking(marker, user))))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        var ofUser = factory.ReadEventsUntil(user, marker, ReadTimeout).Where(r => r.Message.Key == user).ToList();
        var only = Assert.Single(ofUser);
        Assert.Equal(marker, JsonSerializer.Deserialize(only.Message.Value, EventJsonContext.Default.AppEvent)!.EventId);
    }

    [Fact]
    public async Task A_good_batch_is_accepted_and_each_event_is_on_the_events_topic_keyed_by_its_user()
    {
        var (ana, ben) = (NewUser(), NewUser());
        using var response = await PostAsync(Batch(Booking("e-1", ana, 50), Booking("e-2", ben, 40), Booking("e-3", ana, 30)));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("""{"accepted":3}""", await response.Content.ReadAsStringAsync());
        var records = factory.ReadEventsUntil(ana, "\"e-3\"", ReadTimeout).Where(r => r.Message.Key == ana || r.Message.Key == ben).ToList();
        var anaRecords = records.Where(r => r.Message.Key == ana).ToList();
        Assert.Single(anaRecords.Select(r => r.Partition.Value).Distinct());
        var events = records.Select(r => JsonSerializer.Deserialize(r.Message.Value, EventJsonContext.Default.AppEvent)!).ToList();
        Assert.Equal(["e-1", "e-3"], events.Where(e => e.UserId == ana).Select(e => e.EventId));
        var first = events.Single(e => e.EventId == "e-1");
        Assert.Equal(
            new AppEvent("e-1", EventTypes.BookingConfirmed, ana, "s-" + ana, "tour-seoul-001", IngestFactory.Now.AddSeconds(-50), "ios", "KR", "Seoul",
                45000, "KRW", IngestFactory.Now),
            first);
        // The record's timestamp is the event time, so that time-based retention and lookups follow the events.
        Assert.Equal(IngestFactory.Now.AddSeconds(-50).ToUnixTimeMilliseconds(), anaRecords[0].Message.Timestamp.UnixTimestampMs);

        // ben's event may sit in another partition, read before or after ana's last one.
        var benRecord = Assert.Single(factory.ReadEventsUntil(ben, "\"e-2\"", ReadTimeout), r => r.Message.Key == ben);
        Assert.Equal("e-2", JsonSerializer.Deserialize(benRecord.Message.Value, EventJsonContext.Default.AppEvent)!.EventId);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    [InlineData(IngestFactory.ApiKey + " ")]
    [InlineData("ingest-test-key-0123456789abcdefgi")]
    public async Task Without_a_valid_api_key_the_answer_is_401_and_nothing_is_written(string? key)
    {
        var user = NewUser();
        using var response = await PostAsync(Batch(Booking("e-1", user)), key);

        var problem = await ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Missing or unknown API key", problem.Title);
        await AssertNothingWrittenForAsync(user);
    }

    public static TheoryData<string, JsonObject[], string, string> BadBatches()
    {
        var user = "u-bad";
        var future = Booking("e-2", user, secondsAgo: -600);
        var noProduct = Booking("e-3", user);
        noProduct.Remove("product_id");
        JsonObject With(string field, string value)
        {
            var e = Booking("e-2", user);
            e[field] = value;
            return e;
        }

        const string NotRfc3339 = "occurred_at must be an RFC 3339 timestamp";
        return new()
        {
            { "a city of one space", [Booking("e-1", user), With("city", " ")], "[1].city", "city must not be only whitespace" },
            { "a category of one ideographic space", [Booking("e-1", user), With("category", "\u3000")], "[1].category", "category must not be only whitespace" },
            { "a bidi override in a product id", [Booking("e-1", user), With("product_id", "\u202Etour-seoul-001")], "[1].product_id", "product_id must not contain U+202E (a bidirectional control)" },
            { "markup in a product id", [Booking("e-1", user), With("product_id", "<script>alert(1)</script>")], "[1].product_id", "product_id must not contain U+003C (a markup character)" },
            { "an HTTP date", [Booking("e-1", user), With("occurred_at", "Sat, 21 Nov 2026 09:59:30 +00:00")], "[1].occurred_at", NotRfc3339 },
            { "a US date", [Booking("e-1", user), With("occurred_at", "11/21/2026 09:59:30 +00:00")], "[1].occurred_at", NotRfc3339 },
            { "a time with a leading space", [Booking("e-1", user), With("occurred_at", " 2026-11-21T09:59:30Z")], "[1].occurred_at", NotRfc3339 },
            { "an event from the future", [Booking("e-1", user), future], "[1].occurred_at", "occurred_at is more than 5 minutes in the future" },
            { "a country in lower case", [Booking("e-1", user), With("country", "kr")], "[1].country", "country must be an ISO 3166-1 alpha-2 code in capitals, e.g. KR" },
            { "a booking without a product", [Booking("e-1", user), Booking("e-2", user), noProduct], "[2].product_id", "product_id is required for booking_confirmed events" },
            { "an unknown field", [Booking("e-1", user), With("usr_id", "u2")], "[1].usr_id", "Unknown field; see the event schema in docs/events.md. (line 1, byte " },
        };
    }

    [Theory]
    [MemberData(nameof(BadBatches))]
    public async Task A_bad_event_refuses_the_whole_batch_with_a_problem_naming_its_field(string why, JsonObject[] events, string field, string message)
    {
        var user = NewUser();
        foreach (var e in events)
        {
            e["user_id"] = user;
            e["session_id"] = "s-" + user;
        }

        using var response = await PostAsync(Batch(events));

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.Errors.ContainsKey(field), $"{why}: no error for {field} in [{string.Join(", ", problem.Errors.Keys)}]");
        Assert.StartsWith(message, Assert.Single(problem.Errors[field]), StringComparison.Ordinal);
        Assert.Single(problem.Errors);
        await AssertNothingWrittenForAsync(user);
    }

    [Fact]
    public async Task A_key_given_twice_in_an_event_is_refused_naming_it_rather_than_the_last_one_winning()
    {
        var user = NewUser();
        // "user_id":"" first, the event's own user_id later: a reader that lets the last one win would accept it.
        var body = Batch(Booking("e-1", NewUser()), Booking("e-2", user)).Replace($"{{\"event_id\":\"e-2\"", "{\"user_id\":\"\",\"event_id\":\"e-2\"", StringComparison.Ordinal);

        using var response = await PostAsync(body);

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(["[1].user_id"], problem.Errors.Keys);
        Assert.StartsWith("Duplicate key: each field may appear once in an event.", Assert.Single(problem.Errors["[1].user_id"]), StringComparison.Ordinal);
        await AssertNothingWrittenForAsync(user);
    }

    [Fact]
    public async Task User_and_session_ids_that_cannot_be_ids_are_refused_naming_the_field()
    {
        string[] hostile = ["u\0", "u\r\nX-Injected: 1", "\u202Eu", "u\u2028", "<script>alert(1)</script>", " u", "u ", "   "];
        foreach (var field in new[] { "user_id", "session_id" })
        {
            foreach (var id in hostile)
            {
                var good = NewUser();
                var bad = Booking("e-2", good);
                bad[field] = id;

                using var response = await PostAsync(Batch(Booking("e-1", good), bad));

                var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
                Assert.Equal([$"[1].{field}"], problem.Errors.Keys);
                Assert.All(problem.Errors[$"[1].{field}"], message => Assert.Contains(field, message, StringComparison.Ordinal));
            }
        }

        // All or nothing: the good event of a refused request was not written either.
        var user = NewUser();
        var refused = Booking("e-2", user);
        refused["user_id"] = "\u202Eu";
        using (var response = await PostAsync(Batch(Booking("e-1", user), refused)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        await AssertNothingWrittenForAsync(user);
    }

    [Fact]
    public async Task More_events_than_a_request_may_carry_are_refused_naming_the_body()
    {
        var user = NewUser();
        var events = Enumerable.Range(0, IngestFactory.MaxEventsPerRequest + 1).Select(i => Booking("e-" + i, user)).ToArray();
        using var response = await PostAsync(Batch(events));

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(["At most 5 events per request; this one has 6."], problem.Errors["body"]);
        await AssertNothingWrittenForAsync(user);
    }

    [Fact]
    public async Task Headers_over_32_KiB_are_a_431_problem_and_nothing_is_written()
    {
        var user = NewUser();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events")
        {
            Content = new StringContent(Batch(Booking("e-1", user)), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Api-Key", IngestFactory.ApiKey);
        request.Headers.Add("X-Filler", new string('h', RequestHeadLimits.MaxHeadersBytes));
        using var response = await factory.CreateClient().SendAsync(request);

        var problem = await ProblemAsync(response, HttpStatusCode.RequestHeaderFieldsTooLarge);
        Assert.Equal("Request headers too large", problem.Title);
        await AssertNothingWrittenForAsync(user);
    }

    [Fact]
    public async Task A_body_over_the_limit_gets_413()
    {
        var user = NewUser();
        using var response = await PostAsync(Batch(Booking("e-1", user)) + new string(' ', IngestFactory.MaxBodyBytes));

        var problem = await ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(["at most 4096 bytes"], problem.Errors["body"]);
        await AssertNothingWrittenForAsync(user);
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_gets_413_too()
    {
        // HttpClient over the test server always declares a length; a request without one is built by hand.
        var user = NewUser();
        var body = Encoding.UTF8.GetBytes(Batch(Booking("e-1", user)) + new string(' ', IngestFactory.MaxBodyBytes));
        var context = await factory.Server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Post;
            c.Request.Path = "/v1/events";
            c.Request.Headers["X-Api-Key"] = IngestFactory.ApiKey;
            c.Request.ContentType = "application/json";
            c.Request.Body = new MemoryStream(body);
        });

        Assert.Null(context.Request.ContentLength);
        Assert.Equal(StatusCodes.Status413PayloadTooLarge, context.Response.StatusCode);
        Assert.Equal("application/problem+json", context.Response.ContentType);
        var problem = await JsonSerializer.DeserializeAsync<HttpValidationProblemDetails>(context.Response.Body, JsonSerializerOptions.Web);
        Assert.Equal(["at most 4096 bytes"], problem!.Errors["body"]);
        await AssertNothingWrittenForAsync(user);
    }

    [Fact]
    public async Task A_body_at_the_limit_is_accepted()
    {
        var user = NewUser();
        var batch = Batch(Booking("e-limit", user));
        using var response = await PostAsync(batch + new string(' ', IngestFactory.MaxBodyBytes - Encoding.UTF8.GetByteCount(batch)));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Single(factory.ReadEventsUntil(user, "\"e-limit\"", ReadTimeout), r => r.Message.Key == user);
    }
}
