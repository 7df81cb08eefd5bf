using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.Profiles.ProductEvents;
using Streaming.Profiles.Profiles;
using Streaming.Reposts;

namespace Streaming.Profiles.Tests;

public sealed class ProductEventRecordTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 12, 4, 30, TimeSpan.Zero);

    private static AppEvent Event(string type, string? city = "Busan") =>
        new("ev-1", type, "user-7", "s-7", "prod-3", At, "ios", "KR", city, null, null, At.AddSeconds(1), "tours");

    private static ConsumeResult<string, byte[]> Record(byte[] value, Headers? headers) => new()
    {
        Topic = "product-events",
        Partition = new Partition(4),
        Offset = new Offset(77),
        Message = new Message<string, byte[]> { Key = "prod-3", Value = value, Headers = headers },
    };

    private static ConsumeResult<string, byte[]> Record(AppEvent e) =>
        Record(JsonSerializer.SerializeToUtf8Bytes(e, EventJsonContext.Default.AppEvent), new SourcePosition(2, 1234).ToHeaders());

    private static ConsumeResult<string, byte[]> Record(string json) => Record(Encoding.UTF8.GetBytes(json), new SourcePosition(2, 1234).ToHeaders());

    [Fact]
    public void A_view_keeps_its_user_and_where_it_was_read()
    {
        Assert.True(ProductEventRecord.TryRead(Record(Event(EventTypes.ProductView)), out var product, out var e, out _, out _));

        Assert.Equal("prod-3", product);
        Assert.Equal(new ProductEvent(ProductEventKind.View, At, ViewerKey.Of("user-7"), null, null, "", 2, 1234, 4, 77), e);
    }

    [Fact]
    public void A_booking_keeps_its_id_city_and_category()
    {
        Assert.True(ProductEventRecord.TryRead(Record(Event(EventTypes.BookingConfirmed) with { Amount = 12000, Currency = "KRW" }), out _, out var e, out _, out _));

        Assert.Equal((ProductEventKind.Booking, "ev-1", "Busan", "tours"), (e.Kind, e.EventId, e.City, e.Category));
    }

    [Fact]
    public void Wishlists_and_cancellations_are_product_events()
    {
        Assert.True(ProductEventRecord.TryRead(Record(Event(EventTypes.WishlistAdd)), out _, out var wishlist, out _, out _));
        Assert.True(ProductEventRecord.TryRead(Record(Event(EventTypes.BookingCancelled)), out _, out var cancellation, out _, out _));

        Assert.Equal((ProductEventKind.Wishlist, ProductEventKind.Cancellation), (wishlist.Kind, cancellation.Kind));
    }

    [Fact]
    public void Escaped_names_and_values_read_as_the_serializer_reads_them()
    {
        const string json = """
            {"event_id":"ev-9","\u0074ype":"product_view","user_id":"us\u00e9r","session_id":"s","product_id":"p\u002d1",
             "occurred_at":"2026-11-23T12:04:30+00:00","platform":"web","country":"KR","extra":{"nested":[1,2]},"received_at":"2026-11-23T12:04:31Z"}
            """;

        Assert.True(ProductEventRecord.TryRead(Record(json), out var product, out var e, out _, out var reason), reason);

        Assert.Equal(("p-1", ViewerKey.Of("usér"), ProductEventKind.View, At), (product, e.Viewer, e.Kind, e.OccurredAt));
    }

    [Theory]
    [InlineData("{not json", "not a valid AppEvent")]
    [InlineData("[1]", "not a valid AppEvent: not a JSON object")]
    [InlineData("""{"event_id":"e","type":"search","user_id":"u","product_id":"p","occurred_at":"2026-11-23T12:04:30Z","session_id":"s","platform":"ios","country":"KR","received_at":"2026-11-23T12:04:31Z"}""", "type 'search' is not a product event")]
    [InlineData("""{"event_id":"e","user_id":"u","product_id":"p","occurred_at":"2026-11-23T12:04:30Z","session_id":"s","platform":"ios","country":"KR","received_at":"2026-11-23T12:04:31Z"}""", "not a valid AppEvent: type is missing")]
    [InlineData("""{"type":"product_view","user_id":"u","product_id":"p","occurred_at":"2026-11-23T12:04:30Z","session_id":"s","platform":"ios","country":"KR","received_at":"2026-11-23T12:04:31Z"}""", "not a valid AppEvent: event_id is missing")]
    [InlineData("""{"event_id":"e","type":"wishlist_add","product_id":"p","occurred_at":"2026-11-23T12:04:30Z","session_id":"s","platform":"ios","country":"KR","received_at":"2026-11-23T12:04:31Z"}""", "not a valid AppEvent: user_id is missing")]
    [InlineData("""{"event_id":"e","type":"product_view","user_id":"u","product_id":"p","session_id":"s","platform":"ios","country":"KR","received_at":"2026-11-23T12:04:31Z"}""", "not a valid AppEvent: occurred_at is missing")]
    [InlineData("""{"event_id":"e","type":"product_view","user_id":"u","product_id":"","occurred_at":"2026-11-23T12:04:30Z","session_id":"s","platform":"ios","country":"KR","received_at":"2026-11-23T12:04:31Z"}""", "product_id is missing")]
    [InlineData("""{"event_id":"e","type":"product_view","user_id":"u","occurred_at":"2026-11-23T12:04:30Z","session_id":"s","platform":"ios","country":"KR","received_at":"2026-11-23T12:04:31Z"}""", "product_id is missing")]
    [InlineData("""{"event_id":"e","type":"product_view","user_id":"u","product_id":"p","occurred_at":"yesterday","session_id":"s","platform":"ios","country":"KR","received_at":"2026-11-23T12:04:31Z"}""", "not a valid AppEvent: occurred_at")]
    [InlineData("""{"event_id":"e","type":"product_view","user_id":7,"product_id":"p","occurred_at":"2026-11-23T12:04:30Z","session_id":"s","platform":"ios","country":"KR","received_at":"2026-11-23T12:04:31Z"}""", "not a valid AppEvent: user_id")]
    [InlineData("""{"event_id":"e","type":"product_view","user_id":"\ud800","product_id":"p","occurred_at":"2026-11-23T12:04:30Z","session_id":"s","platform":"ios","country":"KR","received_at":"2026-11-23T12:04:31Z"}""", "not a valid AppEvent: user_id")]
    [InlineData("""{"event_id":"e","type":"product_view","user_id":"u","product_id":"p","occurred_at":"2026-11-23T12:04:30Z","session_id":"s","platform":"ios","country":"KR","received_at":"2026-11-23T12:04:31Z"} {}""", "not a valid AppEvent")]
    public void Unreadable_records_say_why(string json, string expected)
    {
        Assert.False(ProductEventRecord.TryRead(Record(json), out _, out _, out _, out var reason));

        Assert.StartsWith(expected, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_view_whose_user_id_is_not_valid_utf8_is_refused()
    {
        var json = Encoding.UTF8.GetBytes("""{"event_id":"e","type":"product_view","user_id":"u?","product_id":"p","occurred_at":"2026-11-23T12:04:30Z","session_id":"s","platform":"ios","country":"KR","received_at":"2026-11-23T12:04:31Z"}""");
        json[Array.IndexOf(json, (byte)'?')] = 0xFF;

        Assert.False(ProductEventRecord.TryRead(Record(json, new SourcePosition(2, 1234).ToHeaders()), out _, out _, out _, out var reason));

        Assert.StartsWith("not a valid AppEvent", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_without_its_source_position_cannot_be_de_duplicated()
    {
        var record = Record(JsonSerializer.SerializeToUtf8Bytes(Event(EventTypes.ProductView), EventJsonContext.Default.AppEvent), new Headers());

        Assert.False(ProductEventRecord.TryRead(record, out _, out _, out _, out var reason));

        Assert.StartsWith("no source position", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_re_post_has_the_identity_of_its_first_copy_though_ingest_stamped_it_anew()
    {
        var first = Identity(Event(EventTypes.BookingConfirmed));
        var again = Identity(Event(EventTypes.BookingConfirmed) with { ReceivedAt = At.AddMinutes(7), SessionId = "another" });

        Assert.Equal(first, again);
    }

    [Fact]
    public void The_identity_is_the_user_and_the_event_id()
    {
        var first = Identity(Event(EventTypes.ProductView));

        Assert.NotEqual(first.Id, Identity(Event(EventTypes.ProductView) with { UserId = "user-8" }).Id);
        Assert.NotEqual(first.Id, Identity(Event(EventTypes.ProductView) with { EventId = "ev-2" }).Id);
        // The user and the event id are not simply joined: ("ab", "c") is not ("a", "bc").
        Assert.NotEqual(
            Identity(Event(EventTypes.ProductView) with { UserId = "ab", EventId = "c" }).Id,
            Identity(Event(EventTypes.ProductView) with { UserId = "a", EventId = "bc" }).Id);
    }

    [Fact]
    public void The_fingerprint_covers_what_a_profile_counts_by()
    {
        var booking = Identity(Event(EventTypes.BookingConfirmed));

        Assert.NotEqual(booking.Content, Identity(Event(EventTypes.BookingConfirmed) with { OccurredAt = At.AddMinutes(1) }).Content);
        Assert.NotEqual(booking.Content, Identity(Event(EventTypes.BookingConfirmed) with { City = "Seoul" }).Content);
        Assert.NotEqual(booking.Content, Identity(Event(EventTypes.BookingConfirmed) with { Category = "hotels" }).Content);
        Assert.NotEqual(booking.Content, Identity(Event(EventTypes.BookingCancelled)).Content);
        // A view's city is not part of a profile: a copy that differs only there is the same to it.
        Assert.Equal(Identity(Event(EventTypes.ProductView)).Content, Identity(Event(EventTypes.ProductView, city: "Seoul")).Content);
        // Nor is the amount.
        Assert.Equal(booking, Identity(Event(EventTypes.BookingConfirmed) with { Amount = 99 }));
    }

    [Fact]
    public void Escaped_ids_have_the_identity_of_their_unescaped_text()
    {
        const string plain = """{"event_id":"ev-9","type":"product_view","user_id":"usér","product_id":"p-1","occurred_at":"2026-11-23T12:04:30+00:00","session_id":"s","platform":"ios","country":"KR","received_at":"2026-11-23T12:04:31Z"}""";
        const string escaped = """{"event_id":"ev\u002d9","type":"product_view","user_id":"us\u00e9r","product_id":"p-1","occurred_at":"2026-11-23T12:04:30+00:00","session_id":"s","platform":"ios","country":"KR","received_at":"2026-11-23T12:04:31Z"}""";

        Assert.True(ProductEventRecord.TryRead(Record(plain), out _, out _, out var first, out var reason), reason);
        Assert.True(ProductEventRecord.TryRead(Record(escaped), out _, out _, out var second, out reason), reason);

        Assert.Equal(first, second);
    }

    private static EventIdentity Identity(AppEvent e)
    {
        Assert.True(ProductEventRecord.TryRead(Record(e), out _, out _, out var identity, out var reason), reason);
        return identity;
    }
}
