namespace Streaming.Events.Tests;

/// <summary>What ingest refuses in names and ids, and the strict form of occurred_at (issue 17's repros).</summary>
public sealed class EventTextTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
    private readonly IncomingEventValidator validator = new(new FixedClock(Now), new EventLimits());

    private static IncomingEvent Booking() => new(
        "e-1", EventTypes.BookingConfirmed, "u1", "s1", "tour-seoul-001", "2026-11-21T09:59:30Z", "ios", "KR", "Seoul", 45000, "KRW", "tour");

    private string[] FailingFields(IncomingEvent e) => [.. validator.Validate(e).Errors.Select(x => x.PropertyName).Distinct().Order()];

    public static TheoryData<string> BadIds() =>
    [
        "u\0", "u\r\nX-Injected: 1", "u\n", "\u202Eevil", "u\u2028x", "u\u2029", "<script>alert(1)</script>", "u\"x", "u'x", "u`x", "u\\x",
        " u1", "u1 ", "\tu1", "u1\u00A0", "   ", "u\u007F", "u\u0085", "u\u009B", "u\u061C", "u\u200E", "u\u200F", "u\u2066", "u\u2069", "u\u200B", "u\uFEFF",
    ];

    [Theory]
    [MemberData(nameof(BadIds))]
    public void Ids_refuse_what_cannot_be_in_an_id(string id)
    {
        Assert.Equal(["user_id"], FailingFields(Booking() with { UserId = id }));
        Assert.Equal(["session_id"], FailingFields(Booking() with { SessionId = id }));
        Assert.Equal(["product_id"], FailingFields(Booking() with { ProductId = id }));
    }

    [Theory]
    [InlineData("tours/seoul/001")]
    [InlineData("user@example.com")]
    [InlineData("서울-투어 1")]
    [InlineData("a:b.c-d_e+f#g%h~i")]
    [InlineData("👍🏽")]
    public void Ids_keep_slashes_inner_spaces_and_any_script(string id) =>
        Assert.Empty(FailingFields(Booking() with { UserId = id, SessionId = id, ProductId = id }));

    [Theory]
    [InlineData(" ")]
    [InlineData("\t")]
    [InlineData("\u3000")]
    [InlineData("Seo\0ul")]
    [InlineData("Seoul\n")]
    [InlineData("\u202ESeoul")]
    [InlineData("Seoul\u2028")]
    [InlineData("Seoul\u0085")]
    public void Cities_and_categories_refuse_blanks_and_control_characters(string name)
    {
        Assert.Equal(["city"], FailingFields(Booking() with { City = name }));
        Assert.Equal(["category"], FailingFields(Booking() with { Category = name }));
    }

    [Fact]
    public void Unpaired_surrogates_are_refused_in_ids_and_names()
    {
        // Not theory data: the test runner's serialization of its cases would turn a lone surrogate into U+FFFD.
        foreach (var text in new[] { "u\uD800", "\uDC00u", "Seoul\uDBFF", "a\uDC00\uD800b" })
        {
            Assert.Equal(["user_id"], FailingFields(Booking() with { UserId = text }));
            Assert.Equal(["product_id"], FailingFields(Booking() with { ProductId = text }));
            Assert.Equal(["city"], FailingFields(Booking() with { City = text }));
            Assert.Equal(["category"], FailingFields(Booking() with { Category = text }));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("New York")]
    [InlineData("O'Hare <north>")]
    [InlineData("서울")]
    [InlineData(" Seoul")]
    public void Names_may_be_empty_or_hold_punctuation(string name) =>
        Assert.Empty(FailingFields(Booking() with { City = name, Category = name }));

    [Theory]
    [InlineData("KR\n")]
    [InlineData("K\u0000")]
    public void A_country_with_a_trailing_newline_is_refused(string country) =>
        Assert.Equal(["country"], FailingFields(Booking() with { Country = country }));

    [Fact]
    public void A_currency_with_a_trailing_newline_is_refused() =>
        Assert.Equal(["currency"], FailingFields(Booking() with { Currency = "KRW\n" }));

    [Theory]
    [InlineData("Sat, 21 Nov 2026 09:59:30 +00:00")]
    [InlineData("11/21/2026 09:59:30 +00:00")]
    [InlineData("21.11.2026 09:59:30 +00:00")]
    [InlineData(" 2026-11-21T09:59:30Z")]
    [InlineData("2026-11-21T09:59:30Z ")]
    [InlineData("2026-11-21 09:59:30Z")]
    [InlineData("2026-11-21T09:59Z")]
    [InlineData("2026-11-21T09:59:30.Z")]
    [InlineData("2026-11-21T09:59:30.12345678Z")]
    [InlineData("2026-11-21T18:59:30+0900")]
    [InlineData("2026-11-21T18:59:30+09")]
    [InlineData("2026-11-21T09:59:30+15:00")]
    [InlineData("2026-11-21T09:59:30+09:60")]
    [InlineData("2026-11-21T09:59:60Z")]
    [InlineData("2026-11-31T09:59:30Z")]
    [InlineData("2026-11-21T24:00:00Z")]
    [InlineData("2026-W47-6T09:59:30Z")]
    [InlineData("+2026-11-21T09:59:30Z")]
    [InlineData("2026-11-21T09:59:30\u0660Z")]
    [InlineData("2026-11-21T09:59:30Z\n")]
    public void Occurred_at_must_be_rfc_3339_exactly(string occurredAt)
    {
        Assert.Equal(["occurred_at"], FailingFields(Booking() with { OccurredAt = occurredAt }));
        Assert.False(EventTime.TryParseRfc3339(occurredAt, out _));
    }

    [Theory]
    [InlineData("2026-11-21T09:59:30Z", 0)]
    [InlineData("2026-11-21t09:59:30z", 0)]
    [InlineData("2026-11-21T18:59:30+09:00", 540)]
    [InlineData("2026-11-21T04:59:30-05:00", -300)]
    [InlineData("2026-11-21T09:59:30-00:00", 0)]
    [InlineData("2026-11-21T09:59:30.5Z", 0)]
    [InlineData("2026-11-21T23:44:30.1234567+13:45", 825)]
    public void Rfc_3339_forms_are_accepted_and_keep_their_offset(string occurredAt, int offsetMinutes)
    {
        Assert.Empty(FailingFields(Booking() with { OccurredAt = occurredAt }));
        Assert.True(EventTime.TryParseRfc3339(occurredAt, out var at));
        Assert.Equal(offsetMinutes, (int)at.Offset.TotalMinutes);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 9, 59, 30, TimeSpan.Zero), at.AddTicks(-(at.Ticks % TimeSpan.TicksPerSecond)));
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00+14:00")]
    [InlineData("9999-12-31T23:59:59.9999999-14:00")]
    public void An_instant_outside_what_a_date_can_hold_is_refused_not_thrown(string text) =>
        Assert.False(EventTime.TryParseRfc3339(text, out _));

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
