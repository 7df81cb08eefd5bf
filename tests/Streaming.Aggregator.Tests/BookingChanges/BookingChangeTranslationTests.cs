using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Streaming.Aggregator.BookingChanges;
using Streaming.Events;
using static Streaming.Aggregator.Tests.BookingChanges.DebeziumPayloads;

namespace Streaming.Aggregator.Tests.BookingChanges;

/// <summary>
/// Change events of the bookings table, as the PostgreSQL and MySQL connectors write them, with and without the schema
/// wrapper: which become booking events, with which ids and times, and which are counted as something else.
/// </summary>
public sealed class BookingChangeTranslationTests
{
    private static readonly DateTimeOffset At = Now.AddMinutes(-3).AddTicks(1234560); // microsecond precision

    private readonly FakeTimeProvider clock = new(Now);
    private readonly BookingChangeTranslator translator;

    public BookingChangeTranslationTests()
    {
        var limits = new EventLimits();
        translator = new BookingChangeTranslator(new BookingStatusMemory(1_000), new IncomingEventValidator(clock, limits), limits, clock);
    }

    private Translation Translate(JsonNode? value) => Translate(value is null ? null : Bytes(value));

    private Translation Translate(byte[]? value)
    {
        Assert.True(BookingChangeReader.TryRead(value, out var change, out var reason), reason);
        return translator.Translate(change);
    }

    private static JsonNode Wrap(JsonObject payload, bool withSchema, TimeColumn times) => withSchema ? WithSchema(payload, times) : payload;

    public static TheoryData<Connector, bool, TimeColumn> Flavours()
    {
        var data = new TheoryData<Connector, bool, TimeColumn>();
        foreach (var connector in new[] { Connector.PostgreSql, Connector.MySql })
        {
            foreach (var withSchema in new[] { true, false })
            {
                foreach (var times in Enum.GetValues<TimeColumn>())
                {
                    data.Add(connector, withSchema, times);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Flavours))]
    public void An_inserted_confirmed_row_is_a_confirmed_booking_at_its_updated_at(Connector connector, bool withSchema, TimeColumn times)
    {
        var row = Row(42, "confirmed", At, times, user: "u-7", product: "stay-tokyo-003", amount: 1_250_000, currency: "JPY", city: "Tokyo", category: "stay", platform: "android", country: "JP");

        var translation = Translate(Wrap(Envelope("c", null, row, connector), withSchema, times));

        Assert.Equal(TranslationOutcome.Confirmed, translation.Outcome);
        // Milliseconds keep only their precision; the others carry the microseconds of the column.
        var expectedTime = times == TimeColumn.Millis ? DateTimeOffset.FromUnixTimeMilliseconds(At.ToUnixTimeMilliseconds()) : At;
        Assert.Equal(
            new AppEvent("booking:42:confirmed", EventTypes.BookingConfirmed, "u-7", "booking:42", "stay-tokyo-003", expectedTime, "android", "JP", "Tokyo",
                1_250_000, "JPY", Now, "stay"),
            translation.Event);
    }

    [Theory]
    [InlineData(Connector.PostgreSql)]
    [InlineData(Connector.MySql)]
    public void With_before_images_a_confirmation_and_then_a_cancellation_each_become_one_event(Connector connector)
    {
        var pending = Row(7, "pending", At.AddMinutes(-1));
        var confirmed = Row(7, "confirmed", At);
        var cancelled = Row(7, "cancelled", At.AddMinutes(2));

        Assert.Equal(TranslationOutcome.NoBookingChange, Translate(Envelope("c", null, pending, connector)).Outcome);
        var confirmation = Translate(Envelope("u", pending, confirmed, connector));
        var cancellation = Translate(Envelope("u", confirmed, cancelled, connector));

        Assert.Equal((TranslationOutcome.Confirmed, "booking:7:confirmed", At), (confirmation.Outcome, confirmation.Event!.EventId, confirmation.Event.OccurredAt));
        Assert.Equal((TranslationOutcome.Cancelled, "booking:7:cancelled", At.AddMinutes(2)), (cancellation.Outcome, cancellation.Event!.EventId, cancellation.Event.OccurredAt));
        Assert.Equal(EventTypes.BookingCancelled, cancellation.Event.Type);
        Assert.Equal(45000, cancellation.Event.Amount);
    }

    [Theory]
    [InlineData("pending", "cancelled")]
    [InlineData("confirmed", "confirmed")]
    [InlineData("cancelled", "cancelled")]
    [InlineData("confirmed", "pending")]
    [InlineData("pending", "pending")]
    public void An_update_that_makes_no_confirmation_or_cancellation_of_a_confirmed_booking_is_no_event(string from, string to)
    {
        var change = Envelope("u", Row(8, from, At.AddMinutes(-1), amount: 1000), Row(8, to, At, amount: 2000), Connector.MySql);

        Assert.Equal(new Translation(TranslationOutcome.NoBookingChange), Translate(change));
    }

    [Fact]
    public void A_row_inserted_as_cancelled_was_never_confirmed_and_is_no_event()
    {
        Assert.Equal(TranslationOutcome.NoBookingChange, Translate(Envelope("c", null, Row(9, "cancelled", At), Connector.PostgreSql)).Outcome);
    }

    [Fact]
    public void Without_before_images_the_remembered_status_tells_a_cancellation_of_a_confirmed_booking()
    {
        // PostgreSQL with REPLICA IDENTITY DEFAULT: updates carry no before image.
        Assert.Equal(TranslationOutcome.NoBookingChange, Translate(Envelope("c", null, Row(10, "pending", At.AddMinutes(-2)), Connector.PostgreSql)).Outcome);
        Assert.Equal(TranslationOutcome.Confirmed, Translate(Envelope("u", null, Row(10, "confirmed", At.AddMinutes(-1)), Connector.PostgreSql)).Outcome);
        // A later update of the confirmed row (another column) is not a second confirmation.
        Assert.Equal(TranslationOutcome.NoBookingChange, Translate(Envelope("u", null, Row(10, "confirmed", At, amount: 50000), Connector.PostgreSql)).Outcome);
        var cancellation = Translate(Envelope("u", null, Row(10, "cancelled", At.AddMinutes(1)), Connector.PostgreSql));
        Assert.Equal((TranslationOutcome.Cancelled, "booking:10:cancelled"), (cancellation.Outcome, cancellation.Event!.EventId));
    }

    [Fact]
    public void Without_before_images_a_pending_booking_cancelled_is_no_event()
    {
        Assert.Equal(TranslationOutcome.NoBookingChange, Translate(Envelope("c", null, Row(11, "pending", At.AddMinutes(-2)), Connector.PostgreSql)).Outcome);
        Assert.Equal(TranslationOutcome.NoBookingChange, Translate(Envelope("u", null, Row(11, "cancelled", At), Connector.PostgreSql)).Outcome);
    }

    [Fact]
    public void A_cancelled_row_of_unknown_history_is_counted_as_such_and_not_as_a_cancellation()
    {
        // A snapshot, or an update without a before image of a booking this translator has not seen.
        Assert.Equal(new Translation(TranslationOutcome.UnknownHistory), Translate(Envelope("r", null, Row(12, "cancelled", At), Connector.PostgreSql, snapshot: "true")));
        Assert.Equal(new Translation(TranslationOutcome.UnknownHistory), Translate(Envelope("u", null, Row(13, "cancelled", At), Connector.PostgreSql)));
    }

    [Fact]
    public void A_before_image_of_the_key_only_says_nothing_of_the_status()
    {
        // REPLICA IDENTITY DEFAULT gives the key columns in before when the key changed; the status then comes from memory.
        Assert.Equal(TranslationOutcome.Confirmed, Translate(Envelope("u", null, Row(14, "confirmed", At), Connector.PostgreSql)).Outcome);
        var change = Envelope("u", new JsonObject { ["booking_id"] = 14 }, Row(14, "cancelled", At.AddMinutes(1)), Connector.PostgreSql);
        Assert.Equal(TranslationOutcome.Cancelled, Translate(change).Outcome);
    }

    [Theory]
    [InlineData(Connector.PostgreSql)]
    [InlineData(Connector.MySql)]
    public void A_snapshot_then_a_re_snapshot_give_the_same_event_and_a_remembered_row_is_not_sent_again(Connector connector)
    {
        var row = Row(15, "confirmed", At);
        var first = Translate(WithSchema(Envelope("r", null, row, connector, snapshot: "first"), TimeColumn.Zoned));
        var again = Translate(WithSchema(Envelope("r", null, row, connector, snapshot: "true"), TimeColumn.Zoned));
        var limits = new EventLimits();
        var restarted = new BookingChangeTranslator(new BookingStatusMemory(1_000), new IncomingEventValidator(clock, limits), limits, clock);
        Assert.True(BookingChangeReader.TryRead(Bytes(Envelope("r", null, row, connector, snapshot: "last")), out var change, out _));
        var afterRestart = restarted.Translate(change);

        Assert.Equal(TranslationOutcome.Confirmed, first.Outcome);
        Assert.Equal(new Translation(TranslationOutcome.NoBookingChange), again);
        // A translator that forgot the row sends the same event again: same id, same time, so it counts once downstream.
        Assert.Equal(first.Event, afterRestart.Event);
    }

    [Theory]
    [InlineData(Connector.PostgreSql)]
    [InlineData(Connector.MySql)]
    public void Redelivered_changes_are_not_sent_again(Connector connector)
    {
        var pending = Row(20, "pending", At.AddMinutes(-1));
        var confirmed = Row(20, "confirmed", At);
        var cancelled = Row(20, "cancelled", At.AddMinutes(1));
        JsonObject[] changes = [Envelope("c", null, pending, connector), Envelope("u", pending, confirmed, connector), Envelope("u", confirmed, cancelled, connector)];

        var first = changes.Select(c => Translate(c).Outcome).ToList();
        // At-least-once: the connector restarts from an earlier position and sends the same changes again, in order.
        var replayed = changes.Select(c => Translate(c).Outcome).ToList();

        Assert.Equal([TranslationOutcome.NoBookingChange, TranslationOutcome.Confirmed, TranslationOutcome.Cancelled], first);
        Assert.Equal([TranslationOutcome.NoBookingChange, TranslationOutcome.AlreadySent, TranslationOutcome.AlreadySent], replayed);
    }

    [Fact]
    public void Without_before_images_a_replayed_insert_does_not_hide_that_the_booking_was_confirmed()
    {
        // REPLICA IDENTITY DEFAULT: the replay's insert rewinds the last status to pending, the sent confirmation remains.
        Assert.Equal(TranslationOutcome.Confirmed, Translate(Envelope("c", null, Row(21, "confirmed", At), Connector.PostgreSql)).Outcome);
        Assert.Equal(TranslationOutcome.NoBookingChange, Translate(Envelope("c", null, Row(21, "pending", At.AddMinutes(-1)), Connector.PostgreSql)).Outcome);
        Assert.Equal(TranslationOutcome.Cancelled, Translate(Envelope("u", null, Row(21, "cancelled", At.AddMinutes(1)), Connector.PostgreSql)).Outcome);
    }

    [Fact]
    public void The_memory_forgets_the_bookings_first_remembered_once_full()
    {
        var memory = new BookingStatusMemory(2);
        memory.Remember("a", new RememberedBooking(BookingStatus.Confirmed, true, false));
        memory.Remember("b", new RememberedBooking(BookingStatus.Pending, false, false));
        memory.Remember("a", new RememberedBooking(BookingStatus.Cancelled, true, true));
        memory.Remember("c", new RememberedBooking(BookingStatus.Pending, false, false));

        Assert.Equal(2, memory.Count);
        Assert.Null(memory.Recall("a"));
        Assert.Equal(BookingStatus.Pending, memory.Recall("b")!.Value.Last);
        Assert.NotNull(memory.Recall("c"));
    }

    [Theory]
    [InlineData(Connector.PostgreSql, true)]
    [InlineData(Connector.MySql, false)]
    public void Deletes_truncates_and_tombstones_are_not_cancellations(Connector connector, bool keyOnlyBefore)
    {
        Assert.Equal(TranslationOutcome.Confirmed, Translate(Envelope("c", null, Row(16, "confirmed", At), connector)).Outcome);
        JsonObject before = keyOnlyBefore ? new JsonObject { ["booking_id"] = 16 } : Row(16, "confirmed", At);

        Assert.Equal(new Translation(TranslationOutcome.Deleted), Translate(WithSchema(Envelope("d", before, null, connector), TimeColumn.Zoned)));
        Assert.Equal(new Translation(TranslationOutcome.Tombstone), Translate((byte[]?)null));
        Assert.Equal(new Translation(TranslationOutcome.Tombstone), Translate(new JsonObject { ["schema"] = null, ["payload"] = null }));
        Assert.Equal(new Translation(TranslationOutcome.Truncated), Translate(Envelope("t", null, null, connector)));
    }

    [Fact]
    public void A_booking_changed_longer_ago_than_events_are_accepted_is_not_translated()
    {
        Assert.Equal(new Translation(TranslationOutcome.TooOld), Translate(Envelope("r", null, Row(17, "confirmed", Now.AddDays(-8)), Connector.MySql, "true")));
    }

    [Fact]
    public void Without_a_schema_epoch_numbers_are_read_in_the_unit_their_magnitude_says()
    {
        Assert.Equal(EpochUnit.Milliseconds, BookingChangeReader.EpochUnitOf(At.ToUnixTimeMilliseconds()));
        Assert.Equal(EpochUnit.Microseconds, BookingChangeReader.EpochUnitOf((At - DateTimeOffset.UnixEpoch).Ticks / 10));
        Assert.Equal(EpochUnit.Nanoseconds, BookingChangeReader.EpochUnitOf((At - DateTimeOffset.UnixEpoch).Ticks * 100));
        // The bounds: 1973 in microseconds is 10^14, in nanoseconds 10^17.
        Assert.Equal(EpochUnit.Microseconds, BookingChangeReader.EpochUnitOf(100_000_000_000_000));
        Assert.Equal(EpochUnit.Milliseconds, BookingChangeReader.EpochUnitOf(99_999_999_999_999));
        Assert.Equal(EpochUnit.Nanoseconds, BookingChangeReader.EpochUnitOf(100_000_000_000_000_000));
    }

    [Fact]
    public void The_schema_decides_the_unit_even_where_the_magnitude_would_say_otherwise()
    {
        // 10^14 microseconds is 1973-03-03T09:46:40Z; read by magnitude alone it would be milliseconds far in the future.
        var row = Row(18, "confirmed", At, TimeColumn.Micros);
        row["created_at"] = 100_000_000_000_000;
        Assert.True(BookingChangeReader.TryRead(Bytes(WithSchema(Envelope("c", null, row, Connector.PostgreSql), TimeColumn.Micros)), out var change, out var reason), reason);
        Assert.Equal(new DateTimeOffset(1973, 3, 3, 9, 46, 40, TimeSpan.Zero), change.After!.CreatedAt);
    }

    [Fact]
    public void A_string_booking_id_and_an_amount_as_digits_are_read()
    {
        var row = Row(0, "confirmed", At);
        row["booking_id"] = "b1f4c1de-6a54-4b57-9d1c-1e3c5bb1a9a0";
        row["amount"] = "45000";

        var translation = Translate(Envelope("c", null, row, Connector.PostgreSql));

        Assert.Equal("booking:b1f4c1de-6a54-4b57-9d1c-1e3c5bb1a9a0:confirmed", translation.Event!.EventId);
        Assert.Equal(45000, translation.Event.Amount);
    }
}
