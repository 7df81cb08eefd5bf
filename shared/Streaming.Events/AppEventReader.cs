using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace Streaming.Events;

/// <summary>
/// Reads an <see cref="AppEvent"/> from its JSON bytes about three times faster than the serializer: every
/// topology reads every event, so this is the hot path. It accepts what <see cref="EventJsonContext"/> writes and
/// is stricter than the serializer: unknown fields and missing required fields are errors with a reason.
/// Low-cardinality values (type, platform, country, city, currency, category, product) come from a per-thread pool
/// instead of a new string per event.
/// </summary>
public static class AppEventReader
{
    private const int MaxPooledBytes = 64;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool TryRead(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out AppEvent? appEvent, [NotNullWhen(false)] out string? reason)
    {
        appEvent = null;
        string? eventId = null, type = null, userId = null, sessionId = null, productId = null, platform = null;
        string? country = null, city = null, currency = null, category = null;
        DateTimeOffset? occurredAt = null, receivedAt = null;
        long? amount = null;
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
                if (field == Field.Unknown)
                {
                    reason = $"not a valid AppEvent: unknown field '{reader.GetString()}'";
                    return false;
                }

                reader.Read();
                switch (field)
                {
                    case Field.EventId: eventId = Text(ref reader); break;
                    case Field.Type: type = Pooled(ref reader); break;
                    case Field.UserId: userId = Text(ref reader); break;
                    case Field.SessionId: sessionId = Text(ref reader); break;
                    case Field.ProductId: productId = Pooled(ref reader); break;
                    case Field.OccurredAt: occurredAt = Time(ref reader); break;
                    case Field.Platform: platform = Pooled(ref reader); break;
                    case Field.Country: country = Pooled(ref reader); break;
                    case Field.City: city = Pooled(ref reader); break;
                    case Field.Amount: amount = reader.TokenType == JsonTokenType.Null ? null : reader.GetInt64(); break;
                    case Field.Currency: currency = Pooled(ref reader); break;
                    case Field.ReceivedAt: receivedAt = Time(ref reader); break;
                    default: category = Pooled(ref reader); break;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                reason = "not a valid AppEvent: content after the object";
                return false;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            reason = $"not a valid AppEvent: {ex.Message}";
            return false;
        }

        reason = Missing(("event_id", eventId), ("type", type), ("user_id", userId), ("session_id", sessionId), ("platform", platform), ("country", country))
            ?? (occurredAt is null ? "not a valid AppEvent: occurred_at is missing" : receivedAt is null ? "not a valid AppEvent: received_at is missing" : null);
        if (reason is not null)
        {
            return false;
        }

        appEvent = new AppEvent(eventId!, type!, userId!, sessionId!, productId, occurredAt!.Value, platform!, country!, city, amount, currency, receivedAt!.Value, category);
        return true;
    }

    private enum Field
    {
        Unknown, EventId, Type, UserId, SessionId, ProductId, OccurredAt, Platform, Country, City, Amount, Currency, ReceivedAt, Category,
    }

    /// <summary>Which field a property names: by length and first letter, then one exact comparison.</summary>
    private static Field FieldOf(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped || reader.HasValueSequence)
        {
            return FieldOfEscaped(ref reader);
        }

        var name = reader.ValueSpan;
        var field = (name.Length, name.Length > 1 ? name[0] : (byte)0) switch
        {
            (4, (byte)'t') => Field.Type,
            (4, (byte)'c') => Field.City,
            (6, (byte)'a') => Field.Amount,
            (7, (byte)'u') => Field.UserId,
            (7, (byte)'c') => Field.Country,
            (8, (byte)'e') => Field.EventId,
            (8, (byte)'p') => Field.Platform,
            (8, (byte)'c') => name[1] == (byte)'u' ? Field.Currency : Field.Category,
            (10, (byte)'s') => Field.SessionId,
            (10, (byte)'p') => Field.ProductId,
            (11, (byte)'o') => Field.OccurredAt,
            (11, (byte)'r') => Field.ReceivedAt,
            _ => Field.Unknown,
        };
        return field != Field.Unknown && name.SequenceEqual(NameOf(field)) ? field : Field.Unknown;
    }

    private static ReadOnlySpan<byte> NameOf(Field field) => field switch
    {
        Field.EventId => "event_id"u8,
        Field.Type => "type"u8,
        Field.UserId => "user_id"u8,
        Field.SessionId => "session_id"u8,
        Field.ProductId => "product_id"u8,
        Field.OccurredAt => "occurred_at"u8,
        Field.Platform => "platform"u8,
        Field.Country => "country"u8,
        Field.City => "city"u8,
        Field.Amount => "amount"u8,
        Field.Currency => "currency"u8,
        Field.ReceivedAt => "received_at"u8,
        Field.Category => "category"u8,
        _ => default,
    };

    private static Field FieldOfEscaped(ref Utf8JsonReader reader)
    {
        for (var field = Field.EventId; field <= Field.Category; field++)
        {
            if (reader.ValueTextEquals(NameOf(field)))
            {
                return field;
            }
        }

        return Field.Unknown;
    }

    private static string? Missing(params ReadOnlySpan<(string Name, string? Value)> fields)
    {
        foreach (var (name, value) in fields)
        {
            if (value is null)
            {
                return $"not a valid AppEvent: {name} is missing";
            }
        }

        return null;
    }

    private static string? Text(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => reader.GetString(),
        _ => throw new InvalidOperationException($"expected a string, found {reader.TokenType}"),
    };

    private static DateTimeOffset? Time(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Null ? null : reader.GetDateTimeOffset();

    /// <summary>A string from this thread's pool when short and unescaped; a full pool just allocates.</summary>
    private static string? Pooled(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || reader.HasValueSequence || reader.ValueSpan.Length > MaxPooledBytes)
        {
            return Text(ref reader);
        }

        return (pool ??= new Utf8Pool()).Get(reader.ValueSpan);
    }

    [ThreadStatic]
    private static Utf8Pool? pool;

    /// <summary>
    /// Strings by their UTF-8 bytes, open addressing, one per thread so that no lock is taken. Invalid UTF-8 throws
    /// (and makes the record unreadable) as the serializer does.
    /// </summary>
    private sealed class Utf8Pool
    {
        private const int Slots = 1 << 14;
        private const int Probes = 8;
        private readonly byte[]?[] keys = new byte[Slots][];
        private readonly string[] values = new string[Slots];

        public string Get(ReadOnlySpan<byte> utf8)
        {
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
