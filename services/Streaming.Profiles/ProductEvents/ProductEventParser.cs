using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Confluent.Kafka;
using Streaming.Kafka;
using Streaming.Profiles.Profiles;
using Streaming.Reposts;

namespace Streaming.Profiles.ProductEvents;

/// <summary>
/// Reads a product-events record into what a grain applies, or says why it cannot (the reason is dead-lettered).
/// Every record of the topic passes here, so it reads the JSON bytes once and keeps only what a profile uses: the
/// type, product, time and user, and a booking's id, city and category; other fields are skipped unread. Product
/// ids, cities and categories come from a pool instead of a new string per record. One instance per consumer thread.
/// Each event also gets its identity, for dropping an app's re-posts (<see cref="RepostFilter"/>): the id hashes the
/// <c>user_id</c> and <c>event_id</c> bytes as read, the fingerprint what a profile counts by.
/// </summary>
public sealed class ProductEventParser
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly Utf8StringPool pool = new();

    public bool TryParse(ConsumeResult<string, byte[]> record, out string productId, out ProductEvent productEvent, out EventIdentity identity, out string reason)
    {
        productId = "";
        productEvent = default;
        identity = default;
        if (SourcePosition.From(record.Message.Headers) is not { } source)
        {
            reason = "no source position (src-partition/src-offset headers): cannot be de-duplicated";
            return false;
        }

        var utf8 = (ReadOnlySpan<byte>)(record.Message.Value ?? []);
        string? product = null, userId = null, eventId = null, city = null, category = null;
        ProductEventKind? kind = null;
        DateTimeOffset? occurredAt = null;
        ulong viewer = 0;
        var (eventIdFound, eventIdStart, eventIdLength) = (false, 0, 0);
        var (userIdFound, userIdStart, userIdLength) = (false, 0, 0);
        var (cityFound, cityStart, cityLength) = (false, 0, 0);
        var (categoryFound, categoryStart, categoryLength) = (false, 0, 0);
        try
        {
            var reader = new Utf8JsonReader(utf8);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                reason = "not a valid AppEvent: not a JSON object";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = FieldOf(ref reader);
                reader.Read();
                switch (field)
                {
                    case Field.Type:
                        kind = KindOf(ref reader, out reason);
                        if (kind is null)
                        {
                            return false;
                        }

                        break;
                    case Field.ProductId: product = Pooled(ref reader); break;
                    case Field.OccurredAt: occurredAt = reader.TokenType == JsonTokenType.Null ? null : reader.GetDateTimeOffset(); break;
                    case Field.UserId: (userIdFound, userIdStart, userIdLength, userId) = Deferred(ref reader); break;
                    // Only a booking keeps its id (for the just-booked feed's de-duplication), city and category, only a
                    // view its user (distinct viewers, as a ViewerKey): read once the type is known.
                    case Field.EventId: (eventIdFound, eventIdStart, eventIdLength, eventId) = Deferred(ref reader); break;
                    case Field.City: (cityFound, cityStart, cityLength, city) = Deferred(ref reader); break;
                    case Field.Category: (categoryFound, categoryStart, categoryLength, category) = Deferred(ref reader); break;
                    default: reader.Skip(); break;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                reason = "not a valid AppEvent: content after the object";
                return false;
            }

            // Before the ids become strings: unescaped, they are hashed where they lie (a missing one is refused below).
            identity = new EventIdentity(
                EventIdentity.IdOfUtf8(Utf8Of(utf8, userIdStart, userIdLength, userId), Utf8Of(utf8, eventIdStart, eventIdLength, eventId)), 0);

            if (kind == ProductEventKind.Booking)
            {
                if (eventId is null && eventIdLength > 0)
                {
                    eventId = StrictUtf8.GetString(utf8.Slice(eventIdStart, eventIdLength));
                }

                // Cities and categories are few: pooled instead of a string per booking.
                city ??= cityFound ? pool.Get(utf8.Slice(cityStart, cityLength)) : null;
                category ??= categoryFound ? pool.Get(utf8.Slice(categoryStart, categoryLength)) : null;
            }

            if (kind == ProductEventKind.View)
            {
                var user = Utf8Of(utf8, userIdStart, userIdLength, userId);
                if (!Utf8.IsValid(user))
                {
                    reason = "not a valid AppEvent: user_id is not valid UTF-8";
                    return false;
                }

                viewer = ViewerKey.Of(user);
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            reason = $"not a valid AppEvent: {ex.Message}";
            return false;
        }

        if (kind is null)
        {
            reason = "not a valid AppEvent: type is missing";
            return false;
        }

        if (!eventIdFound && eventId is null)
        {
            reason = "not a valid AppEvent: event_id is missing";
            return false;
        }

        if (!userIdFound && userId is null)
        {
            reason = "not a valid AppEvent: user_id is missing";
            return false;
        }

        if (occurredAt is null)
        {
            reason = "not a valid AppEvent: occurred_at is missing";
            return false;
        }

        if (string.IsNullOrEmpty(product))
        {
            reason = "product_id is missing";
            return false;
        }

        productId = product;
        // The events topic keeps the client's offset; profiles show UTC.
        var booking = kind == ProductEventKind.Booking;
        productEvent = new ProductEvent(kind.Value, occurredAt.Value.ToUniversalTime(), viewer, booking ? city : null,
            booking ? category : null, eventId ?? "", source.Partition, source.Offset, record.Partition.Value, record.Offset.Value);
        // What a profile counts by (the user is in the id; only a booking keeps its city and category).
        var content = default(ContentHash).Add((long)kind.Value).Add(productEvent.OccurredAt.UtcTicks).Add(product);
        identity = identity with { Content = (booking ? content.Add(city).Add(category) : content).ToUInt32() };
        reason = "";
        return true;
    }

    /// <summary>A string value's UTF-8: its bytes in the record when unescaped, else the unescaped text encoded (rare).</summary>
    private static ReadOnlySpan<byte> Utf8Of(ReadOnlySpan<byte> utf8, int start, int length, string? text) =>
        length > 0 || text is null ? utf8.Slice(start, length) : Encoding.UTF8.GetBytes(text);

    private enum Field
    {
        Other, EventId, Type, UserId, ProductId, OccurredAt, City, Category,
    }

    private static Field FieldOf(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped || reader.HasValueSequence)
        {
            return reader.ValueTextEquals("event_id"u8) ? Field.EventId
                : reader.ValueTextEquals("type"u8) ? Field.Type
                : reader.ValueTextEquals("user_id"u8) ? Field.UserId
                : reader.ValueTextEquals("product_id"u8) ? Field.ProductId
                : reader.ValueTextEquals("occurred_at"u8) ? Field.OccurredAt
                : reader.ValueTextEquals("city"u8) ? Field.City
                : reader.ValueTextEquals("category"u8) ? Field.Category
                : Field.Other;
        }

        var name = reader.ValueSpan;
        return name.Length switch
        {
            4 when name.SequenceEqual("type"u8) => Field.Type,
            4 when name.SequenceEqual("city"u8) => Field.City,
            7 when name.SequenceEqual("user_id"u8) => Field.UserId,
            8 when name.SequenceEqual("event_id"u8) => Field.EventId,
            8 when name.SequenceEqual("category"u8) => Field.Category,
            10 when name.SequenceEqual("product_id"u8) => Field.ProductId,
            11 when name.SequenceEqual("occurred_at"u8) => Field.OccurredAt,
            _ => Field.Other,
        };
    }

    private static ProductEventKind? KindOf(ref Utf8JsonReader reader, out string reason)
    {
        reason = "";
        if (reader.TokenType != JsonTokenType.String)
        {
            reason = reader.TokenType == JsonTokenType.Null ? "not a valid AppEvent: type is missing" : $"not a valid AppEvent: type is a {reader.TokenType}";
            return null;
        }

        // EventTypes.ProductView, WishlistAdd, BookingConfirmed, BookingCancelled as UTF-8.
        ProductEventKind? kind = reader.ValueTextEquals("product_view"u8) ? ProductEventKind.View
            : reader.ValueTextEquals("wishlist_add"u8) ? ProductEventKind.Wishlist
            : reader.ValueTextEquals("booking_confirmed"u8) ? ProductEventKind.Booking
            : reader.ValueTextEquals("booking_cancelled"u8) ? ProductEventKind.Cancellation
            : null;
        if (kind is null)
        {
            reason = $"type '{reader.GetString()}' is not a product event";
        }

        return kind;
    }

    /// <summary>A string value left as bytes (found, start, length) when unescaped, else read at once; null: not a string.</summary>
    private static (bool Found, int Start, int Length, string? Value) Deferred(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return (false, 0, 0, Text(ref reader));
        }

        return reader.ValueIsEscaped || reader.HasValueSequence
            ? (true, 0, 0, reader.GetString())
            : (true, (int)reader.TokenStartIndex + 1, reader.ValueSpan.Length, null);
    }

    private static string? Text(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => reader.GetString(),
        _ => throw new InvalidOperationException($"expected a string, found {reader.TokenType}"),
    };

    private string? Pooled(ref Utf8JsonReader reader) =>
        reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || reader.HasValueSequence
            ? Text(ref reader)
            : pool.Get(reader.ValueSpan);

    /// <summary>
    /// Strings by their UTF-8 bytes (open addressing; short values only, a full neighbourhood just allocates). For
    /// low-cardinality values: product ids, cities, categories. Invalid UTF-8 throws, as the serializer does.
    /// </summary>
    private sealed class Utf8StringPool
    {
        private const int MaxBytes = 64;
        private const int Slots = 1 << 14;
        private const int Probes = 8;
        private readonly byte[]?[] keys = new byte[Slots][];
        private readonly string[] values = new string[Slots];

        public string Get(ReadOnlySpan<byte> utf8)
        {
            if (utf8.Length > MaxBytes)
            {
                return StrictUtf8.GetString(utf8);
            }

            var hash = 2166136261u;
            foreach (var b in utf8)
            {
                hash = (hash ^ b) * 16777619u;
            }

            for (var probe = 0; probe < Probes; probe++)
            {
                var slot = (int)((hash + (uint)probe) & (Slots - 1));
                var key = keys[slot];
                if (key is null)
                {
                    var text = StrictUtf8.GetString(utf8);
                    (keys[slot], values[slot]) = (utf8.ToArray(), text);
                    return text;
                }

                if (utf8.SequenceEqual(key))
                {
                    return values[slot];
                }
            }

            return StrictUtf8.GetString(utf8);
        }
    }
}
