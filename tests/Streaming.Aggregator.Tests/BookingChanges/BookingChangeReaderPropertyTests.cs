using CsCheck;
using Streaming.Aggregator.BookingChanges;
using Streaming.Testing;
using Xunit.Abstractions;

namespace Streaming.Aggregator.Tests.BookingChanges;

/// <summary>
/// No value on cdc.bookings makes <see cref="BookingChangeReader"/> throw: every value is read or refused with a
/// reason. 100,000 cases: arbitrary bytes, deep nesting, and envelopes (with or without the schema wrapper) whose
/// fields hold plausible and hostile values, some with invalid UTF-8 spliced in.
/// </summary>
public sealed class BookingChangeReaderPropertyTests(ITestOutputHelper output)
{
    private static readonly string[] Keys = ["op", "before", "after", "source", "payload", "schema", "fields", "field", "name", "type", "booking_id", "status", "updated_at"];

    private static readonly Gen<string> Time = Gen.Frequency(
        (2, Gen.Const("\"2026-11-21T09:57:00Z\"")), (1, Gen.Const("\"2026-11-21T09:57:00.1234567+09:00\"")), (1, Gen.Const("1763719020000")),
        (1, Gen.Const("1763719020000000")), (1, Gen.Const("1763719020000000000")), (3, HostileJson.Scalar));

    private static readonly Gen<string> Row = HostileJson.Object(
        ("booking_id", Gen.Frequency((3, Gen.Const("42")), (1, Gen.Const("\"b-1\"")), (2, HostileJson.Scalar))),
        ("user_id", Gen.Frequency((3, Gen.Const("\"u1\"")), (2, HostileJson.Scalar))),
        ("product_id", Gen.Frequency((3, Gen.Const("\"tour-1\"")), (2, HostileJson.Scalar))),
        ("status", Gen.Frequency((2, Gen.OneOf("\"pending\"", "\"confirmed\"", "\"cancelled\"")), (1, HostileJson.Scalar))),
        ("amount", Gen.Frequency((3, Gen.Const("45000")), (1, Gen.Const("\"45000\"")), (2, HostileJson.Number), (1, HostileJson.Scalar))),
        ("currency", Gen.Frequency((3, Gen.Const("\"KRW\"")), (1, HostileJson.Scalar))),
        ("city", HostileJson.Scalar),
        ("category", HostileJson.Scalar),
        ("platform", Gen.Frequency((3, Gen.Const("\"ios\"")), (1, HostileJson.Scalar))),
        ("country", Gen.Frequency((3, Gen.Const("\"KR\"")), (1, HostileJson.Scalar))),
        ("created_at", Time),
        ("updated_at", Time));

    private static readonly Gen<string> Envelope = HostileJson.Object(
        ("op", Gen.Frequency((4, Gen.OneOf("\"c\"", "\"u\"", "\"d\"", "\"r\"", "\"t\"")), (1, Gen.Const(@"""\ud800""")), (2, HostileJson.Scalar))),
        ("before", Gen.Frequency((2, Row), (1, HostileJson.Value(Keys, 2)))),
        ("after", Gen.Frequency((4, Row), (1, HostileJson.Value(Keys, 2)))),
        ("source", Gen.Frequency((2, HostileJson.Object(("connector", HostileJson.Scalar), ("snapshot", HostileJson.Scalar))), (1, HostileJson.Scalar))),
        ("ts_ms", HostileJson.Number));

    private static readonly Gen<string> Schema = HostileJson.Object(
        ("fields", Gen.Frequency(
            (3, HostileJson.Object(("field", Gen.OneOf("\"after\"", "\"before\"")), ("fields", HostileJson.Object(
                ("field", Gen.OneOf("\"updated_at\"", "\"created_at\"", "\"amount\"")),
                ("name", Gen.Frequency((2, Gen.OneOf("\"io.debezium.time.MicroTimestamp\"", "\"io.debezium.time.NanoTimestamp\"", "\"io.debezium.time.Timestamp\"", "\"org.apache.kafka.connect.data.Decimal\"")), (1, HostileJson.Scalar))),
                ("type", HostileJson.Scalar)).Array[0, 3].Select(f => "[" + string.Join(",", f) + "]"))).Array[0, 3].Select(f => "[" + string.Join(",", f) + "]")),
            (1, HostileJson.Value(Keys, 2)))));

    private static readonly Gen<byte[]> Values = Gen.Frequency(
        (5, HostileJson.Bytes(Envelope)),
        (2, HostileJson.Bytes(Gen.Select(Schema, Gen.Frequency((4, Envelope), (1, HostileJson.Scalar))).Select((schema, payload) => $"{{\"schema\":{schema},\"payload\":{payload}}}"))),
        (1, HostileJson.Bytes(HostileJson.Value(Keys, 4))),
        (1, HostileJson.Garbage));

    [Fact]
    public void No_value_makes_the_reader_throw_and_every_refusal_says_why() =>
        HostileJson.AssertReaderIsTotal<BookingChange>(Values, BookingChangeReader.TryRead, change => Assert.True(
            change.Operation is ChangeOperation.Tombstone or ChangeOperation.Truncate or ChangeOperation.Delete
            || change.After is { BookingId.Length: > 0 and <= BookingChangeReader.MaxBookingIdLength }), output);

    [Theory]
    [InlineData(@"{""op"":""\ud800"",""after"":{}}")]
    [InlineData(@"{""op"":""c"",""after"":{""booking_id"":""\udfff""}}")]
    public void An_escaped_lone_surrogate_is_refused(string json)
    {
        Assert.False(BookingChangeReader.TryRead(System.Text.Encoding.UTF8.GetBytes(json), out _, out var reason));
        Assert.Contains("not valid Unicode text", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_string_with_invalid_UTF8_is_refused()
    {
        byte[] value = [.. "{\"op\":\"c\",\"after\":{\"booking_id\":\"b"u8, 0xFF, 0xC0, .. "\"}}"u8];
        Assert.False(BookingChangeReader.TryRead(value, out _, out var reason));
        Assert.False(string.IsNullOrWhiteSpace(reason));
    }
}
