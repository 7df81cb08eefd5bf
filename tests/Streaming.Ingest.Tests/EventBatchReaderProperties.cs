using System.Text;
using System.Text.Json;
using CsCheck;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Streaming.Events;
using Streaming.Ingest.Events;

namespace Streaming.Ingest.Tests;

/// <summary>
/// The endpoint's judgement of a body (<see cref="EventBatchReader"/>) on generated bodies: valid batches are accepted and
/// their events reach consumers intact; no body makes it throw; every refusal names a field and says why.
/// </summary>
public sealed class EventBatchReaderProperties
{
    private static readonly DateTimeOffset Now = IngestFactory.Now;

    private readonly EventBatchReader reader = new(
        Options.Create(new IngestOptions { MaxEventsPerRequest = IngestFactory.MaxEventsPerRequest }),
        new IncomingEventValidator(new FakeTimeProvider(Now), new EventLimits()),
        Options.Create(new BookingsOptions()));

    /// <summary>Every refusal names where (a field, "[i]" or "body") and says why; an accepted batch becomes records every consumer reads back.</summary>
    private static void AssertJudged(EventBatch batch)
    {
        if (!batch.IsValid)
        {
            Assert.False(string.IsNullOrWhiteSpace(batch.Title));
            Assert.Empty(batch.Events);
            Assert.All(batch.Errors, e =>
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Key));
                Assert.NotEmpty(e.Value);
                Assert.All(e.Value, message => Assert.False(string.IsNullOrWhiteSpace(message)));
            });
            return;
        }

        Assert.NotEmpty(batch.Events);
        foreach (var incoming in batch.Events)
        {
            var appEvent = incoming.ToAppEvent(Now);
            Assert.True(AppEventReader.TryRead(JsonSerializer.SerializeToUtf8Bytes(appEvent, EventJsonContext.Default.AppEvent), out var read, out var reason), reason);
            Assert.Equal(appEvent, read);
        }
    }

    /// <summary>Changes one field of event <paramref name="i"/> (null: absent) and expects a refusal naming that field alone.</summary>
    private void AssertOnlyThatFieldRefused(List<IncomingEvent> events, int i, string field, Func<string?, string> change)
    {
        var body = JsonSerializer.SerializeToNode(events, EventJsonContext.Default.ListIncomingEvent)!.AsArray();
        body[i]![field] = change(body[i]![field]?.GetValue<string>());

        var batch = reader.Read(Encoding.UTF8.GetBytes(body.ToJsonString()));

        Assert.Equal([$"[{i}].{field}"], batch.Errors.Keys);
        AssertJudged(batch);
    }

    [Fact]
    public void Generated_valid_batches_are_accepted_and_read_back_by_consumers() =>
        EventBodies.Batch(Now, IngestFactory.MaxEventsPerRequest).Sample(events =>
        {
            var batch = reader.Read(EventBodies.Json(events));
            Assert.True(batch.IsValid, string.Join("; ", batch.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
            Assert.Equal(events, batch.Events);
            AssertJudged(batch);
        }, iter: 20_000);

    [Fact]
    public void A_forbidden_character_anywhere_in_any_string_field_refuses_exactly_that_field() =>
        Gen.Select(
            EventBodies.Batch(Now, IngestFactory.MaxEventsPerRequest), Gen.Int[0, IngestFactory.MaxEventsPerRequest - 1],
            Gen.Int[0, EventBodies.StringFields.Length - 1], Gen.Int[0, 200], Gen.Int[0, EventBodies.Forbidden.Length - 1])
        .Sample((events, index, fieldIndex, position, forbidden) =>
        {
            AssertOnlyThatFieldRefused(events, index % events.Count, EventBodies.StringFields[fieldIndex], value =>
            {
                value ??= "";
                var at = position % (value.Length + 1);
                return value[..at] + EventBodies.Forbidden[forbidden] + value[at..];
            });
        }, iter: 30_000);

    [Fact]
    public void Whitespace_at_the_ends_of_an_id_or_a_blank_name_refuses_that_field() =>
        Gen.Select(
            EventBodies.Batch(Now, IngestFactory.MaxEventsPerRequest), Gen.Int[0, IngestFactory.MaxEventsPerRequest - 1],
            Gen.OneOf("user_id", "session_id", "product_id", "city", "category"), Gen.Char[" \t\u00A0\u3000\u2003\u000B"].Array[1, 3], Gen.Bool)
        .Sample((events, index, field, spaces, atEnd) =>
        {
            var blank = new string(spaces);
            AssertOnlyThatFieldRefused(events, index % events.Count, field, value =>
                field is "city" or "category" ? blank : atEnd ? (value ?? "x") + blank : blank + (value ?? "x"));
        }, iter: 10_000);

    [Fact]
    public void A_repeated_key_in_an_event_is_refused_naming_it() =>
        Gen.Select(EventBodies.Batch(Now, IngestFactory.MaxEventsPerRequest), Gen.Int[0, IngestFactory.MaxEventsPerRequest - 1], Gen.Int[0, EventBodies.StringFields.Length - 1])
        .Sample((events, index, fieldIndex) =>
        {
            var i = index % events.Count;
            var field = EventBodies.StringFields[fieldIndex];
            var json = EventBodies.Json(events);
            var objects = new Utf8JsonReader(json);
            var open = -1;
            for (var seen = -1; seen < i && objects.Read();)
            {
                if (objects.TokenType == JsonTokenType.StartObject)
                {
                    seen++;
                    open = (int)objects.TokenStartIndex;
                }
            }

            // Two copies up front: the key repeats whether or not the event had it.
            var body = Encoding.UTF8.GetString(json).Insert(open + 1, $"\"{field}\":\"\",\"{field}\":\"x\",");

            var batch = reader.Read(Encoding.UTF8.GetBytes(body));

            Assert.Equal([$"[{i}].{field}"], batch.Errors.Keys);
            Assert.StartsWith("Duplicate key", Assert.Single(batch.Errors[$"[{i}].{field}"]), StringComparison.Ordinal);
            AssertJudged(batch);
        }, iter: 5_000);

    [Theory]
    [InlineData("user_id", "\"\\ud800\"")]
    [InlineData("session_id", "\"s\\udc00\"")]
    [InlineData("city", "\"Seoul\\ud800\\ud800\"")]
    [InlineData("category", "\"\\udfff\\ud800\"")]
    public void An_unpaired_surrogate_escape_is_refused_naming_its_field(string field, string literal)
    {
        // The literal is JSON escape text: the body's bytes are valid UTF-8, the string they decode to is not valid UTF-16.
        var json = JsonSerializer.SerializeToNode(new List<IncomingEvent> { Valid() }, EventJsonContext.Default.ListIncomingEvent)!.AsArray();
        json[0]!.AsObject().Remove(field);

        var batch = reader.Read(Encoding.UTF8.GetBytes(json.ToJsonString().Replace("[{", $"[{{\"{field}\":{literal},", StringComparison.Ordinal)));

        Assert.Equal([$"[0].{field}"], batch.Errors.Keys);
        AssertJudged(batch);
    }

    [Fact]
    public void Invalid_utf8_inside_a_string_is_refused_naming_its_field()
    {
        var json = Encoding.UTF8.GetString(EventBodies.Json([Valid()]));
        var city = Encoding.UTF8.GetBytes(json[..(json.IndexOf("\"city\":\"", StringComparison.Ordinal) + 8)]);
        byte[] body = [.. city, 0xC3, 0x28, .. Encoding.UTF8.GetBytes(json[(json.IndexOf("\"city\":\"", StringComparison.Ordinal) + 8)..])];

        var batch = reader.Read(body);

        Assert.Equal(["[0].city"], batch.Errors.Keys);
        AssertJudged(batch);
    }

    private static IncomingEvent Valid() => new(
        "e-1", EventTypes.BookingConfirmed, "u1", "s1", "tour-seoul-001", "2026-11-21T09:59:30Z", "ios", "KR", "Seoul", 45000, "KRW", "tour");

    [Fact]
    public void Random_bytes_are_refused_without_an_exception() =>
        Gen.Byte.Array[0, 300].Sample(bytes => AssertJudged(reader.Read(bytes)), iter: 15_000);

    [Fact]
    public void Random_json_like_token_streams_are_judged_without_an_exception() =>
        Gen.OneOf(
            "[", "]", "{", "}", ",", ":", "null", "true", "0", "-1", "1e999", "12345678901234567890", "\"\"", "\"x\"", "\"\\ud800\"", "\"\\udc00x\"",
            "\"\\u0000\"", "\"\\u202e\"", "\"2026-11-21T09:59:30Z\"", "\"user_id\"", "\"event_id\"", "\"amount\"", "\"city\"", "\"type\"", "\"booking_confirmed\"",
            " ", "\n", "\"\\", "\uFEFF", "/*", "'x'").Array[0, 60]
        .Sample(tokens => AssertJudged(reader.Read(Encoding.UTF8.GetBytes(string.Concat(tokens)))), iter: 10_000);

    [Fact]
    public void Mutated_valid_bodies_are_accepted_only_when_still_valid_and_otherwise_refused_naming_a_field() =>
        Gen.Select(EventBodies.Batch(Now, IngestFactory.MaxEventsPerRequest), Gen.Select(Gen.Int[0, 3], Gen.Int[0, 100_000], Gen.Byte).Array[1, 4])
        .Sample((events, mutations) =>
        {
            var body = new List<byte>(EventBodies.Json(events));
            foreach (var (kind, where, value) in mutations)
            {
                var at = where % (body.Count + 1);
                switch (kind)
                {
                    case 0 when at < body.Count: body[at] = value; break;
                    case 1: body.Insert(at, value); break;
                    case 2 when at < body.Count: body.RemoveRange(at, Math.Min(1 + value % 8, body.Count - at)); break;
                    default: body.InsertRange(at, Encoding.UTF8.GetBytes(EventBodies.Literal(((char)(value * 257)).ToString()))); break;
                }
            }

            AssertJudged(reader.Read(body.ToArray()));
        }, iter: 20_000);
}
