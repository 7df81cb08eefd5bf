using Streaming.Events;

namespace Streaming.Events.Tests;

public sealed class IncomingEventValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
    private readonly IncomingEventValidator validator = new(new FixedClock(Now), new EventLimits());

    private static IncomingEvent Booking() => new(
        "e-1", EventTypes.BookingConfirmed, "u1", "s1", "tour-seoul-001", "2026-11-21T09:59:30Z", "ios", "KR", "Seoul", 45000, "KRW");

    private string[] FailingFields(IncomingEvent e) => [.. validator.Validate(e).Errors.Select(x => x.PropertyName).Distinct().Order()];

    [Fact]
    public void A_complete_booking_is_valid() => Assert.Empty(FailingFields(Booking()));

    [Fact]
    public void Errors_name_fields_as_they_are_sent()
    {
        var e = Booking() with { UserId = null, SessionId = "", Country = "kr" };
        Assert.Equal(["country", "session_id", "user_id"], FailingFields(e));
    }

    [Fact]
    public void Bookings_need_a_product_an_amount_and_a_currency()
    {
        Assert.Equal(["product_id"], FailingFields(Booking() with { ProductId = null }));
        Assert.Equal(["amount"], FailingFields(Booking() with { Amount = null, Currency = null }));
        Assert.Equal(["currency"], FailingFields(Booking() with { Currency = null }));
        Assert.Equal(["currency"], FailingFields(Booking() with { Currency = "krw" }));
        Assert.Equal(["amount"], FailingFields(Booking() with { Amount = -1 }));
    }

    [Fact]
    public void A_search_needs_no_product_nor_amount() =>
        Assert.Empty(FailingFields(Booking() with { Type = EventTypes.Search, ProductId = null, Amount = null, Currency = null }));

    [Theory]
    [InlineData("2026-11-21T09:59:30", "an offset is required")]
    [InlineData("yesterday", "not a timestamp")]
    [InlineData("2026-11-21T10:06:00Z", "more than 5 minutes in the future")]
    [InlineData("2026-11-01T10:00:00Z", "older than 7 days")]
    public void Bad_timestamps_are_refused(string occurredAt, string why)
    {
        var errors = validator.Validate(Booking() with { OccurredAt = occurredAt }).Errors;
        Assert.True(errors.Count == 1 && errors[0].PropertyName == "occurred_at", why);
    }

    [Fact]
    public void Timestamps_with_offsets_are_normalised_to_utc()
    {
        Assert.True(EventTime.TryParse("2026-11-21T19:00:00+09:00", out var t));
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero), t);
        Assert.Equal(TimeSpan.Zero, t.Offset);
    }

    [Theory]
    [InlineData("view")]
    [InlineData("BOOKING_CONFIRMED")]
    public void Unknown_types_are_refused(string type) =>
        Assert.Contains("type", FailingFields(Booking() with { Type = type }));

    [Fact]
    public void Over_long_ids_are_refused() =>
        Assert.Equal(["event_id", "user_id"], FailingFields(Booking() with { EventId = new string('a', 65), UserId = new string('u', 65) }));

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
