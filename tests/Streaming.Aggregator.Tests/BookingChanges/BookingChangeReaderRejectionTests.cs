using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Streaming.Aggregator.BookingChanges;
using Streaming.Events;
using static Streaming.Aggregator.Tests.BookingChanges.DebeziumPayloads;

namespace Streaming.Aggregator.Tests.BookingChanges;

/// <summary>Change events that cannot become booking events are refused with a reason that names what is wrong.</summary>
public sealed class BookingChangeReaderRejectionTests
{
    private static readonly DateTimeOffset At = Now.AddMinutes(-3);

    private static JsonObject Confirmed(Action<JsonObject> edit)
    {
        var row = Row(42, "confirmed", At);
        edit(row);
        return Envelope("c", null, row, Connector.PostgreSql);
    }

    public static TheoryData<string, byte[], string> Unreadable() => new()
    {
        { "not JSON", Encoding.UTF8.GetBytes("{\"op\": \"c\", "), "not JSON" },
        { "an array", Encoding.UTF8.GetBytes("[1, 2]"), "not a Debezium change event: the value is not a JSON object" },
        { "a flattened row", Bytes(Row(42, "confirmed", At)), "not a Debezium change event: op is missing" },
        { "an unknown op", Bytes(Envelope("m", null, null, Connector.PostgreSql)), "op 'm' is not a row change (expected c, u, d, r or t)" },
        { "a create without after", Bytes(Envelope("c", null, null, Connector.MySql)), "after is missing: a change with op 'c' must carry the row after it" },
        { "an unknown status", Bytes(Confirmed(r => r["status"] = "refunded")), "after.status 'refunded' is not one of pending, confirmed, cancelled" },
        { "no user", Bytes(Confirmed(r => r.Remove("user_id"))), "after.user_id is missing" },
        { "no updated_at", Bytes(Confirmed(r => r["updated_at"] = null)), "after.updated_at is missing" },
        { "a fractional amount", Bytes(Confirmed(r => r["amount"] = 450.5)), "after.amount must be a whole number of minor units" },
        { "an amount string with a point", Bytes(Confirmed(r => r["amount"] = "450.50")), "after.amount must be a whole number of minor units" },
        { "a time without offset", Bytes(Confirmed(r => r["updated_at"] = "2026-11-21 09:57:00")), "after.updated_at '2026-11-21 09:57:00' is not an ISO-8601 timestamp with an offset" },
        { "a boolean time", Bytes(Confirmed(r => r["updated_at"] = true)), "after.updated_at must be an ISO-8601 string or an integer epoch time" },
        { "a long booking id", Bytes(Confirmed(r => r["booking_id"] = new string('x', 41))), "after.booking_id must be at most 40 letters, digits or - _ . :" },
        { "a booking id with a space", Bytes(Confirmed(r => r["booking_id"] = "b 1")), "after.booking_id must be at most 40 letters" },
        { "a changed booking id", Bytes(Envelope("u", Row(1, "pending", At), Row(2, "confirmed", At), Connector.MySql)), "before.booking_id '1' differs from after.booking_id '2'" },
        {
            "a decimal amount as bytes",
            Bytes(WithSchema(Confirmed(r => r["amount"] = "AK/I"), TimeColumn.Zoned, amountType: "bytes", amountName: "org.apache.kafka.connect.data.Decimal")),
            "after.amount is a DECIMAL encoded as bytes (org.apache.kafka.connect.data.Decimal); store minor units in an integer column, or set the connector's decimal.handling.mode=string"
        },
        {
            "a string where the schema says micros",
            Bytes(new JsonObject { ["schema"] = WithSchema(Envelope("c", null, Row(1, "confirmed", At), Connector.PostgreSql), TimeColumn.Micros)["schema"]!.DeepClone(), ["payload"] = Confirmed(_ => { }) }),
            "after.created_at is a string but its schema says io.debezium.time.MicroTimestamp"
        },
    };

    [Theory]
    [MemberData(nameof(Unreadable))]
    public void An_unreadable_change_is_refused_with_its_reason(string why, byte[] value, string reason)
    {
        Assert.False(BookingChangeReader.TryRead(value, out _, out var actual), why);
        Assert.StartsWith(reason, actual, StringComparison.Ordinal);
    }

    public static TheoryData<string, JsonObject, string> AgainstTheEventSchema() => new()
    {
        { "a lower-case country", Confirmed(r => r["country"] = "kr"), "after.country: country must be an ISO 3166-1 alpha-2 code in capitals, e.g. KR" },
        { "an unknown platform", Confirmed(r => r["platform"] = "tv"), "after.platform: platform must be one of ios, android, web, server" },
        { "a negative amount", Confirmed(r => r["amount"] = -5), "after.amount: amount must not be negative" },
        { "a lower-case currency", Confirmed(r => r["currency"] = "krw"), "after.currency: currency must be an ISO 4217 code in capitals, e.g. KRW" },
        { "a product id too long", Confirmed(r => r["product_id"] = new string('p', 65)), "after.product_id: The length of 'product_id' must be 64 characters or fewer. You entered 65 characters." },
        { "a time in the future", Confirmed(r => r["updated_at"] = Encode(Now.AddMinutes(6), TimeColumn.Zoned)), "after.updated_at: updated_at is more than 5 minutes in the future" },
    };

    [Theory]
    [MemberData(nameof(AgainstTheEventSchema))]
    public void A_row_that_breaks_the_event_schema_is_rejected_naming_the_column(string why, JsonObject change, string reason)
    {
        var clock = new FakeTimeProvider(Now);
        var limits = new EventLimits();
        var translator = new BookingChangeTranslator(new BookingStatusMemory(1_000), new IncomingEventValidator(clock, limits), limits, clock);
        Assert.True(BookingChangeReader.TryRead(Bytes(change), out var read, out var readReason), readReason);

        var translation = translator.Translate(read);

        Assert.Equal(TranslationOutcome.Rejected, translation.Outcome);
        Assert.True(translation.Reason == reason, $"{why}: {translation.Reason}");
        Assert.Null(translation.Event);
    }

    [Fact]
    public void The_default_topic_is_the_fleets_cdc_bookings_topic()
    {
        Assert.Equal(Streaming.Kafka.Topics.CdcBookings, new BookingsOptions().CdcTopic);
        Assert.True(Streaming.Kafka.Topics.DefaultPartitions.ContainsKey(Streaming.Kafka.Topics.CdcBookings));
    }
}
