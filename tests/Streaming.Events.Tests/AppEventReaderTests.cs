using System.Text;
using System.Text.Json;

namespace Streaming.Events.Tests;

public sealed class AppEventReaderTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 10, 15, 30, 123, TimeSpan.Zero);

    public static TheoryData<AppEvent> Events() =>
    [
        new AppEvent("e-1", EventTypes.BookingConfirmed, "u1", "s1", "tour-1", At, "ios", "KR", "Seoul", 45_000, "KRW", At.AddSeconds(1), "tour"),
        new AppEvent("e-2", EventTypes.Search, "u2", "s2", null, At.ToOffset(TimeSpan.FromHours(9)), "web", "JP", null, null, null, At),
        new AppEvent("e-3", EventTypes.ProductView, "u\"3", "s\\3", "p-ü-東京", At, "android", "FR", "Paris \u2028", null, null, At, "st\u00e4y"),
        new AppEvent("e-4", EventTypes.BookingCancelled, "u4", "s4", "p4", At, "server", "US", "New York", long.MaxValue, "USD", At),
    ];

    [Theory]
    [MemberData(nameof(Events))]
    public void Reads_what_the_serializer_writes_exactly(AppEvent written)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(written, EventJsonContext.Default.AppEvent);
        Assert.True(AppEventReader.TryRead(bytes, out var read, out var reason), reason);
        Assert.Equal(written, read);
        Assert.Equal(written.OccurredAt.Offset, read.OccurredAt.Offset);
    }

    [Theory]
    [InlineData("{not json", "not a valid AppEvent")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("{\"event_id\":\"e\",\"type\":\"search\",\"user_id\":\"u\",\"session_id\":\"s\",\"occurred_at\":\"2026-11-22T10:00:00Z\",\"platform\":\"ios\",\"country\":\"KR\",\"received_at\":\"2026-11-22T10:00:00Z\",\"extra\":[1}", "not a valid AppEvent")]
    [InlineData("{\"event_id\":\"e\",\"type\":\"search\",\"session_id\":\"s\",\"occurred_at\":\"2026-11-22T10:00:00Z\",\"platform\":\"ios\",\"country\":\"KR\",\"received_at\":\"2026-11-22T10:00:00Z\"}", "user_id is missing")]
    [InlineData("{\"event_id\":\"e\",\"type\":\"search\",\"user_id\":\"u\",\"session_id\":\"s\",\"occurred_at\":\"yesterday\",\"platform\":\"ios\",\"country\":\"KR\",\"received_at\":\"2026-11-22T10:00:00Z\"}", "not a valid AppEvent")]
    [InlineData("{\"event_id\":\"e\",\"type\":\"search\",\"user_id\":7,\"session_id\":\"s\",\"occurred_at\":\"2026-11-22T10:00:00Z\",\"platform\":\"ios\",\"country\":\"KR\",\"received_at\":\"2026-11-22T10:00:00Z\"}", "expected a string")]
    [InlineData("{\"event_id\":\"e\",\"type\":\"search\",\"user_id\":\"u\",\"session_id\":\"s\",\"occurred_at\":\"2026-11-22T10:00:00Z\",\"platform\":\"ios\",\"country\":\"KR\",\"received_at\":\"2026-11-22T10:00:00Z\",\"amount\":\"12\"}", "not a valid AppEvent")]
    [InlineData("{\"event_id\":\"e\",\"type\":\"search\",\"user_id\":\"u\",\"session_id\":\"s\",\"occurred_at\":\"2026-11-22T10:00:00Z\",\"platform\":\"ios\",\"country\":\"KR\",\"received_at\":\"2026-11-22T10:00:00Z\"} {}", "not a valid AppEvent")]
    public void Refuses_what_is_not_an_event_with_a_reason(string json, string expected)
    {
        Assert.False(AppEventReader.TryRead(Encoding.UTF8.GetBytes(json), out var read, out var reason));
        Assert.Null(read);
        Assert.Contains(expected, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Skips_fields_a_newer_producer_wrote()
    {
        // Ingest refuses unknown fields; a consumer of the topic reads a newer producer's record without them.
        const string json = """
            {"event_id":"e","type":"booking_confirmed","user_id":"u","session_id":"s","product_id":"p","v2":{"a":[1,{"b":null}],"c":"\ud83d\ude00"},
             "occurred_at":"2026-11-22T10:00:00Z","platform":"ios","country":"KR","city":"Busan","received_at":"2026-11-22T10:00:00Z","\u0078":1e400}
            """;
        var bytes = Encoding.UTF8.GetBytes(json);

        Assert.True(AppEventReader.TryRead(bytes, out var read, out var reason), reason);
        Assert.True(AppEventReader.TryReadRoute(bytes, out _, out reason), reason);
        Assert.True(AppEventReader.TryReadProjection(bytes, out var projection, out reason), reason);
        Assert.Equal(("e", "p", "Busan"), (read.EventId, read.ProductId, read.City));
        Assert.Equal(("p", "Busan"), (projection.ProductId, projection.ReadCity()));
    }

    [Fact]
    public void The_projection_keeps_ids_as_their_unescaped_utf8_and_reads_city_and_category_when_asked()
    {
        const string json = """
            {"event_id":"ev\u002d9","type":"booking_confirmed","user_id":"us\u00e9r","session_id":"s","product_id":"p-1","occurred_at":"2026-11-22T10:15:30+09:00",
             "platform":"ios","country":"KR","city":"Bus\u0061n","received_at":"2026-11-22T10:00:00Z"}
            """;

        Assert.True(AppEventReader.TryReadProjection(Encoding.UTF8.GetBytes(json), out var e, out var reason), reason);

        Assert.Equal((EventTypes.BookingConfirmed, "p-1"), (e.Type, e.ProductId));
        Assert.Equal((new DateTimeOffset(2026, 11, 22, 10, 15, 30, TimeSpan.FromHours(9)), TimeSpan.FromHours(9)), (e.OccurredAt, e.OccurredAt.Offset));
        Assert.Equal("usér"u8.ToArray(), e.UserId.ToArray());
        Assert.Equal("ev-9"u8.ToArray(), e.EventId.ToArray());
        Assert.Equal(("Busan", (string?)null), (e.ReadCity(), e.ReadCategory()));
    }

    [Theory]
    [InlineData("event_id")]
    [InlineData("user_id")]
    [InlineData("session_id")]
    [InlineData("platform")]
    [InlineData("city")]
    [InlineData("category")]
    public void A_lone_surrogate_or_invalid_utf8_in_a_string_is_refused_naming_the_field(string field)
    {
        foreach (var value in new[] { "\"\\ud800\"", "\"a\\udc00b\"", "\"\\ud800\\u0041\"" })
        {
            var json = Encoding.UTF8.GetBytes(WithValue(field, value));
            AssertRefusedNaming(json, field);
        }

        var invalid = Encoding.UTF8.GetBytes(WithValue(field, "\"a?b\""));
        invalid[Array.IndexOf(invalid, (byte)'?')] = 0xFF;
        AssertRefusedNaming(invalid, field);
    }

    private static void AssertRefusedNaming(byte[] json, string field)
    {
        Assert.False(AppEventReader.TryRead(json, out _, out var reason));
        Assert.Contains(field, reason, StringComparison.Ordinal);
        Assert.False(AppEventReader.TryReadRoute(json, out _, out reason));
        Assert.Contains(field, reason, StringComparison.Ordinal);
        Assert.False(AppEventReader.TryReadProjection(json, out _, out reason));
        Assert.Contains(field, reason, StringComparison.Ordinal);
    }

    private static string WithValue(string field, string value)
    {
        var fields = new Dictionary<string, string>
        {
            ["event_id"] = "\"e\"", ["type"] = "\"search\"", ["user_id"] = "\"u\"", ["session_id"] = "\"s\"", ["occurred_at"] = "\"2026-11-22T10:00:00Z\"",
            ["platform"] = "\"ios\"", ["country"] = "\"KR\"", ["received_at"] = "\"2026-11-22T10:00:00Z\"",
        };
        fields[field] = value;
        return "{" + string.Join(",", fields.Select(f => $"\"{f.Key}\":{f.Value}")) + "}";
    }

    [Fact]
    public void Reads_escaped_property_names_and_values()
    {
        var json = "{\"event_id\":\"e\",\"\\u0074ype\":\"search\",\"user_id\":\"u\",\"session_id\":\"s\",\"occurred_at\":\"2026-11-22T10:00:00Z\",\"platform\":\"ios\",\"country\":\"K\\u0052\",\"received_at\":\"2026-11-22T10:00:00Z\"}";
        Assert.True(AppEventReader.TryRead(Encoding.UTF8.GetBytes(json), out var read, out var reason), reason);
        Assert.Equal((EventTypes.Search, "KR"), (read.Type, read.Country));
    }

    [Theory]
    [InlineData("2026-11-22T10:15:30Z")]
    [InlineData("2026-11-22T10:15:30+00:00")]
    [InlineData("2026-11-22T10:15:30.5\\u002B00:00")]
    [InlineData("2026-11-22T10:15:30.5\\u002b00:00")]
    [InlineData("2026-11-22T10:15:30.5\\u002B09:00")]
    [InlineData("2026-11-22T10:15:30.5\\u002B00:0")]
    [InlineData("2026-11-22T10:15:30.5\\u002C00:00")]
    [InlineData("2026-11-22T10:15:3\\u00300Z")]
    [InlineData("2026-11-22T10:15:30.1Z")]
    [InlineData("2026-11-22T10:15:30.1234567+00:00")]
    [InlineData("2026-11-22T10:15:30.0000001Z")]
    [InlineData("2026-11-22T10:15:30.12345678Z")]
    [InlineData("2026-11-22T10:15:30.123+09:00")]
    [InlineData("2026-11-22T10:15:30-00:00")]
    [InlineData("2024-02-29T23:59:59.9999999Z")]
    [InlineData("2026-02-29T10:15:30Z")]
    [InlineData("2026-13-01T10:15:30Z")]
    [InlineData("2026-11-22T24:00:00Z")]
    [InlineData("2026-11-22T10:60:00Z")]
    [InlineData("2026-11-22T10:15:60Z")]
    [InlineData("0000-11-22T10:15:30Z")]
    [InlineData("2026-11-22t10:15:30Z")]
    [InlineData("2026-11-22T10:15:30.Z")]
    [InlineData("2026-11-22T10:15:3aZ")]
    [InlineData("2026-11-22 10:15:30Z")]
    [InlineData("2026-11-22T10:15:30")]
    [InlineData("2026-11-22T10:15Z")]
    public void Reads_times_as_the_serializer_does(string time)
    {
        // The reader's own parser for the common UTC form must agree with the serializer's on every input: same value and
        // offset when accepted, refused when it refuses.
        var json = Encoding.UTF8.GetBytes($"{{\"event_id\":\"e\",\"type\":\"search\",\"user_id\":\"u\",\"session_id\":\"s\",\"occurred_at\":\"{time}\",\"platform\":\"ios\",\"country\":\"KR\",\"received_at\":\"{time}\"}}");
        AppEvent? expected;
        try
        {
            expected = JsonSerializer.Deserialize(json, EventJsonContext.Default.AppEvent);
        }
        catch (JsonException)
        {
            expected = null;
        }

        var accepted = AppEventReader.TryRead(json, out var read, out var reason);
        Assert.Equal(expected is not null, accepted);
        if (expected is not null)
        {
            Assert.True(accepted, reason);
            Assert.Equal(expected.OccurredAt, read!.OccurredAt);
            Assert.Equal(expected.OccurredAt.Offset, read.OccurredAt.Offset);
            Assert.Equal(expected.ReceivedAt.UtcTicks, read.ReceivedAt.UtcTicks);
        }
    }

    [Fact]
    public void The_fast_path_agrees_with_the_json_reader_on_events_and_on_damaged_ones()
    {
        // Events as the serializer writes them (with nulls, unicode, escapes, other offsets), then each damaged in a few
        // ways: whatever the input, TryRead accepts exactly when the JSON-reader path does, with the same event.
        var random = new Random(17);
        string?[] texts = [null, "", "p1", "a\"b", "ü東京", "x\u2028y", "tab\tin", new string('c', 70), "e-123456789012345"];
        string[] plain = ["", "p1", "ios", "KR", new string('c', 70), "e-123456789012345", "u77"];
        long?[] amounts = [null, 0, -5, 45_000, long.MaxValue, long.MinValue];
        TimeSpan[] offsets = [TimeSpan.Zero, TimeSpan.FromHours(9), TimeSpan.FromHours(-3)];
        var (checkedInputs, fastAccepted, routeAccepted) = (0, 0, 0);
        for (var i = 0; i < 3_000; i++)
        {
            // Mostly values the serializer writes without escapes (the fast path's), sometimes others.
            string Text() => random.Next(10) == 0 ? texts[random.Next(1, texts.Length)]! : plain[random.Next(plain.Length)];
            string? Optional() => random.Next(4) == 0 ? null : Text();
            var at = new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero).AddTicks(random.NextInt64(0, TimeSpan.TicksPerDay))
                .AddTicks(-random.Next(3) * 1000).ToOffset(offsets[random.Next(offsets.Length)]);
            var e = new AppEvent(Text(), Text(), Text(), Text(), Optional(), at, Text(), Text(), Optional(), amounts[random.Next(amounts.Length)], Optional(),
                at.AddMilliseconds(random.Next(1000)), Optional());
            var bytes = JsonSerializer.SerializeToUtf8Bytes(e, EventJsonContext.Default.AppEvent);
            foreach (var input in Damaged(bytes, random).Prepend(bytes))
            {
                var fast = AppEventReader.TryRead(input, out var read, out _);
                var reference = AppEventReader.TryReadAny(input, out var expected, out _);
                Assert.True(fast == reference, $"fast {fast}, reader {reference}: {Encoding.UTF8.GetString(input)}");
                if (fast)
                {
                    Assert.Equal(expected, read);
                    Assert.Equal(expected!.OccurredAt.Offset, read!.OccurredAt.Offset);
                    Assert.Equal(expected.ReceivedAt.Offset, read.ReceivedAt.Offset);
                }

                // The route-only read accepts exactly the same inputs, with the same routing fields.
                var routed = AppEventReader.TryReadRoute(input, out var route, out _);
                Assert.True(routed == reference, $"route {routed}, reader {reference}: {Encoding.UTF8.GetString(input)}");
                if (routed)
                {
                    Assert.Equal((expected!.Type, expected.ProductId, expected.OccurredAt, expected.OccurredAt.Offset, expected.ReceivedAt, expected.Amount),
                        (route!.Type, route.ProductId, route.OccurredAt, route.OccurredAt.Offset, route.ReceivedAt, route.Amount));
                }

                checkedInputs++;
                fastAccepted += AppEventReader.TryReadCompact(input, out _) ? 1 : 0;
                routeAccepted += AppEventReader.TryReadCompact(input, out _, routeOnly: true) ? 1 : 0;
            }
        }

        Assert.True(checkedInputs > 20_000);
        Assert.True(fastAccepted > 1_000, $"the fast path read only {fastAccepted} inputs");
        Assert.Equal(fastAccepted, routeAccepted);
    }

    /// <summary>The event's bytes cut short, with one byte changed, removed or doubled, with spaces, nulls or another field.</summary>
    private static IEnumerable<byte[]> Damaged(byte[] bytes, Random random)
    {
        var json = Encoding.UTF8.GetString(bytes);
        yield return bytes[..random.Next(bytes.Length)];
        for (var n = 0; n < 3; n++)
        {
            var changed = (byte[])bytes.Clone();
            changed[random.Next(changed.Length)] = (byte)"{}[]\",:0123456789-+.eEnulZT \t\u0001\u00ffa"[random.Next(28)];
            yield return changed;
            var at = random.Next(bytes.Length);
            yield return [.. bytes[..at], .. bytes[(at + 1)..]];
            yield return [.. bytes[..at], bytes[at], .. bytes[at..]];
        }

        yield return Encoding.UTF8.GetBytes(json.Replace(",", ", ", StringComparison.Ordinal));
        yield return Encoding.UTF8.GetBytes(json + " ");
        yield return Encoding.UTF8.GetBytes(json.Replace("\"platform\":", "\"platform\":null,\"platform\":", StringComparison.Ordinal));
        yield return Encoding.UTF8.GetBytes(json.Replace("\"country\":", "\"country\":1,\"city\":", StringComparison.Ordinal));
        yield return Encoding.UTF8.GetBytes(json.Replace("\"user_id\":\"", "\"user_id\":\"\\u0041", StringComparison.Ordinal));
        yield return Encoding.UTF8.GetBytes(json.Replace("}", ",\"amount\":12.0}", StringComparison.Ordinal));
        yield return Encoding.UTF8.GetBytes(json.Replace("}", ",\"amount\":012}", StringComparison.Ordinal));
        yield return Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(json, "\"amount\":(null|-?[0-9]+)", "\"amount\":\"12\""));
        yield return Encoding.UTF8.GetBytes(json.Replace("}", ",\"extra\":\"x\"}", StringComparison.Ordinal));
        yield return Encoding.UTF8.GetBytes(json.Replace("\"session_id\":", "\"session_id\":null,\"x\":", StringComparison.Ordinal));
        yield return Encoding.UTF8.GetBytes(json.Replace("+00:00\"", "Z\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Pooled_values_stay_right_beyond_the_pool_size()
    {
        // More distinct products than the pool holds: collisions and a full pool must still give the right strings.
        for (var i = 0; i < 40_000; i++)
        {
            var written = new AppEvent("e" + i, EventTypes.ProductView, "u", "s", "product-" + i, At, "ios", "KR", "city-" + (i % 5000), null, null, At);
            Assert.True(AppEventReader.TryRead(JsonSerializer.SerializeToUtf8Bytes(written, EventJsonContext.Default.AppEvent), out var read, out _));
            Assert.Equal(written, read);
        }
    }

    [Fact]
    public void Refuses_invalid_utf8_in_a_pooled_field()
    {
        var json = Encoding.UTF8.GetBytes("{\"event_id\":\"e\",\"type\":\"search\",\"user_id\":\"u\",\"session_id\":\"s\",\"occurred_at\":\"2026-11-22T10:00:00Z\",\"platform\":\"ios\",\"country\":\"XX\",\"received_at\":\"2026-11-22T10:00:00Z\"}");
        var at = Array.IndexOf(json, (byte)'X');
        json[at] = 0xC3; // a lead byte without its continuation
        Assert.False(AppEventReader.TryRead(json, out _, out var reason));
        Assert.NotNull(reason);
    }
}
