using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace Streaming.Events;

/// <summary>
/// Reads an <see cref="AppEvent"/> from its JSON bytes about twice as fast as the serializer: every topology reads
/// every event, so this is the hot path. The serializer's own compact form is read without a JSON reader; anything
/// else goes through <see cref="Utf8JsonReader"/>. It accepts what <see cref="EventJsonContext"/> writes and is
/// stricter than the serializer: unknown fields and missing required fields are errors with a reason.
/// Low-cardinality values (type, platform, country, city, currency, category, product) come from a per-thread pool
/// instead of a new string per event.
/// </summary>
public static class AppEventReader
{
    private const int MaxPooledBytes = 64;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool TryRead(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out AppEvent? appEvent, [NotNullWhen(false)] out string? reason)
    {
        if (TryReadCompact(utf8, out appEvent))
        {
            reason = null;
            return true;
        }

        return TryReadAny(utf8, out appEvent, out reason);
    }

    /// <summary>
    /// For a stage that routes the record and forwards its bytes: accepts and refuses exactly what <see cref="TryRead"/>
    /// does (every field is checked), but of an event in the serializer's form only <c>type</c>, <c>product_id</c>,
    /// <c>occurred_at</c>, <c>received_at</c> and <c>amount</c> are read; the other strings are empty. Ids and names
    /// are most of a read's cost, and a router needs none of them.
    /// </summary>
    public static bool TryReadRoute(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out AppEvent? appEvent, [NotNullWhen(false)] out string? reason)
    {
        if (TryReadCompact(utf8, out appEvent, routeOnly: true))
        {
            reason = null;
            return true;
        }

        return TryReadAny(utf8, out appEvent, out reason);
    }

    /// <summary>
    /// The form the serializer writes, read without a JSON reader: one flat object, no whitespace, strings without
    /// escapes or control characters, valid UTF-8, integer amounts, each field once, times in the UTC form, every
    /// required field there. Anything else returns false and goes to <see cref="TryReadAny"/>, which decides (and gives
    /// the reason), so this never accepts what that refuses nor reads a value differently.
    /// </summary>
    /// <param name="routeOnly">Checks every field but reads only those <see cref="TryReadRoute"/> names; the other
    /// strings are empty, which also marks a required one as present.</param>
    internal static bool TryReadCompact(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out AppEvent? appEvent, bool routeOnly = false)
    {
        appEvent = null;
        string? eventId = null, type = null, userId = null, sessionId = null, productId = null, platform = null;
        string? country = null, city = null, currency = null, category = null;
        DateTimeOffset? occurredAt = null, receivedAt = null;
        long? amount = null;
        var seen = 0;
        if (utf8.Length < 2 || utf8[0] != (byte)'{' || utf8[1] != (byte)'"')
        {
            return false;
        }

        var at = 1;
        while (true)
        {
            // "name":
            if (at >= utf8.Length || utf8[at] != (byte)'"')
            {
                return false;
            }

            var nameLength = utf8[(at + 1)..].IndexOfAny((byte)'"', (byte)'\\');
            if (nameLength < 0 || utf8[at + 1 + nameLength] != (byte)'"')
            {
                return false;
            }

            var field = FieldOf(utf8.Slice(at + 1, nameLength));
            at += nameLength + 2;
            if (field == Field.Unknown || (seen & (1 << (int)field)) != 0 || at >= utf8.Length || utf8[at] != (byte)':')
            {
                return false;
            }

            seen |= 1 << (int)field;
            at++;
            if (at >= utf8.Length)
            {
                return false;
            }

            if (utf8[at] == (byte)'"')
            {
                // A time may hold one escape, the serializer's "\u002B" for '+'; its own parser checks every byte of it.
                var length = field is Field.OccurredAt or Field.ReceivedAt
                    ? utf8[(at + 1)..].IndexOf((byte)'"')
                    : utf8[(at + 1)..].IndexOfAny((byte)'"', (byte)'\\');
                if (length < 0 || utf8[at + 1 + length] != (byte)'"')
                {
                    return false;
                }

                var value = utf8.Slice(at + 1, length);
                at += length + 2;
                if (field is not (Field.OccurredAt or Field.ReceivedAt) && (value.IndexOfAnyInRange((byte)0, (byte)0x1F) >= 0 || !System.Text.Unicode.Utf8.IsValid(value)))
                {
                    return false;
                }

                if (routeOnly && field is not (Field.Type or Field.ProductId or Field.OccurredAt or Field.ReceivedAt or Field.Amount))
                {
                    // Checked above (no control characters, valid UTF-8) as the full read checks it; only not kept.
                    SetPresent(field, ref eventId, ref userId, ref sessionId, ref platform, ref country, ref city, ref currency, ref category);
                }
                else
                {
                    switch (field)
                    {
                        case Field.EventId: eventId = StrictUtf8.GetString(value); break;
                        case Field.UserId: userId = StrictUtf8.GetString(value); break;
                        case Field.SessionId: sessionId = StrictUtf8.GetString(value); break;
                        case Field.Type: type = Pooled(value); break;
                        case Field.ProductId: productId = Pooled(value); break;
                        case Field.Platform: platform = Pooled(value); break;
                        case Field.Country: country = Pooled(value); break;
                        case Field.City: city = Pooled(value); break;
                        case Field.Currency: currency = Pooled(value); break;
                        case Field.Category: category = Pooled(value); break;
                        case Field.OccurredAt when TryReadUtc(value, out var time): occurredAt = time; break;
                        case Field.ReceivedAt when TryReadUtc(value, out var time): receivedAt = time; break;
                        default: return false; // a string amount, or another form of time
                    }
                }
            }
            else if (utf8[at..].StartsWith("null"u8))
            {
                at += 4; // every field is null until set: nothing to do (a required one is then missing)
            }
            else if (field == Field.Amount && TryReadInteger(utf8, ref at, out var number))
            {
                amount = number;
            }
            else
            {
                return false;
            }

            if (at >= utf8.Length)
            {
                return false;
            }

            if (utf8[at] == (byte)',')
            {
                at++;
                continue;
            }

            if (utf8[at] != (byte)'}' || at != utf8.Length - 1)
            {
                return false;
            }

            break;
        }

        if (eventId is null || type is null || userId is null || sessionId is null || platform is null || country is null || occurredAt is null || receivedAt is null)
        {
            return false;
        }

        appEvent = new AppEvent(eventId, type, userId, sessionId, productId, occurredAt.Value, platform, country, city, amount, currency, receivedAt.Value, category);
        return true;
    }

    /// <summary>Marks a string field as present without reading it (route-only).</summary>
    private static void SetPresent(Field field, ref string? eventId, ref string? userId, ref string? sessionId, ref string? platform, ref string? country, ref string? city, ref string? currency, ref string? category)
    {
        switch (field)
        {
            case Field.EventId: eventId = string.Empty; break;
            case Field.UserId: userId = string.Empty; break;
            case Field.SessionId: sessionId = string.Empty; break;
            case Field.Platform: platform = string.Empty; break;
            case Field.Country: country = string.Empty; break;
            case Field.City: city = string.Empty; break;
            case Field.Currency: currency = string.Empty; break;
            case Field.Category: category = string.Empty; break;
        }
    }

    /// <summary>A JSON integer that fits in 18 digits (no fraction, exponent or leading zero); else false, for the JSON reader.</summary>
    private static bool TryReadInteger(ReadOnlySpan<byte> utf8, ref int at, out long value)
    {
        value = 0;
        var i = at;
        var negative = i < utf8.Length && utf8[i] == (byte)'-';
        i += negative ? 1 : 0;
        var first = i;
        while (i < utf8.Length && (uint)(utf8[i] - '0') <= 9)
        {
            value = (value * 10) + (utf8[i] - '0');
            i++;
        }

        var digits = i - first;
        if (digits is 0 or > 18 || (digits > 1 && utf8[first] == (byte)'0') || (i < utf8.Length && utf8[i] is (byte)'.' or (byte)'e' or (byte)'E'))
        {
            return false;
        }

        value = negative ? -value : value;
        at = i;
        return true;
    }

    /// <summary>Any JSON the serializer would read as an event, through <see cref="Utf8JsonReader"/>; a reason when it is not one.</summary>
    internal static bool TryReadAny(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out AppEvent? appEvent, [NotNullWhen(false)] out string? reason)
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

        return FieldOf(reader.ValueSpan);
    }

    private static Field FieldOf(ReadOnlySpan<byte> name)
    {
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

    private static DateTimeOffset? Time(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        // ValueSpan is the raw value, escapes included: the UTC parser reads the one the serializer writes ("\u002B").
        return reader.TokenType == JsonTokenType.String && !reader.HasValueSequence && TryReadUtc(reader.ValueSpan, out var at)
            ? at
            : reader.GetDateTimeOffset();
    }

    /// <summary>
    /// The form the serializer writes for UTC, <c>yyyy-MM-ddTHH:mm:ss[.f to .fffffff]</c> then <c>Z</c> or <c>+00:00</c>
    /// (raw, or with the '+' escaped as the serializer writes it, <c>\u002B00:00</c>), without the serializer's general
    /// parser; anything else (other offsets, other escapes, invalid dates) is left to the serializer's parser, so what is
    /// accepted and how it reads does not change.
    /// </summary>
    private static bool TryReadUtc(ReadOnlySpan<byte> text, out DateTimeOffset at)
    {
        at = default;
        int zone;
        if (text.Length >= 20 && text[^1] == (byte)'Z')
        {
            zone = text.Length - 1;
        }
        else if (text.Length >= 25 && text[^6..].SequenceEqual("+00:00"u8))
        {
            zone = text.Length - 6;
        }
        else if (text.Length >= 30 && (text[^11..].SequenceEqual("\\u002B00:00"u8) || text[^11..].SequenceEqual("\\u002b00:00"u8)))
        {
            zone = text.Length - 11;
        }
        else
        {
            return false;
        }

        if (text[4] != (byte)'-' || text[7] != (byte)'-' || text[10] != (byte)'T' || text[13] != (byte)':' || text[16] != (byte)':'
            || !Digits(text[..4], out var year) || !Digits(text.Slice(5, 2), out var month) || !Digits(text.Slice(8, 2), out var day)
            || !Digits(text.Slice(11, 2), out var hour) || !Digits(text.Slice(14, 2), out var minute) || !Digits(text.Slice(17, 2), out var second))
        {
            return false;
        }

        var fraction = 0;
        if (zone > 19)
        {
            var digits = zone - 20;
            if (text[19] != (byte)'.' || digits is < 1 or > 7 || !Digits(text.Slice(20, digits), out fraction))
            {
                return false;
            }

            for (; digits < 7; digits++)
            {
                fraction *= 10;
            }
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        at = new DateTimeOffset(new DateTime(year, month, day, hour, minute, second).Ticks + fraction, TimeSpan.Zero);
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> text, out int value)
    {
        value = 0;
        foreach (var b in text)
        {
            var digit = (uint)(b - '0');
            if (digit > 9)
            {
                return false;
            }

            value = (value * 10) + (int)digit;
        }

        return true;
    }

    /// <summary>A string from this thread's pool when short and unescaped; a full pool just allocates.</summary>
    private static string? Pooled(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || reader.HasValueSequence || reader.ValueSpan.Length > MaxPooledBytes)
        {
            return Text(ref reader);
        }

        return (pool ??= new Utf8Pool()).Get(reader.ValueSpan);
    }

    /// <summary>A string from this thread's pool when short (the value is valid UTF-8 without escapes).</summary>
    private static string Pooled(ReadOnlySpan<byte> utf8) =>
        utf8.Length > MaxPooledBytes ? StrictUtf8.GetString(utf8) : (pool ??= new Utf8Pool()).Get(utf8);

    [ThreadStatic]
    private static Utf8Pool? pool;

    /// <summary>
    /// Strings by their UTF-8 bytes, open addressing, one per thread so that no lock is taken. Values of up to 16 bytes
    /// (nearly all of them) are keyed by their bytes packed into two words and their length, so a look-up is a few
    /// multiplications and one comparison of words in one slot, without touching the key's bytes elsewhere. Invalid
    /// UTF-8 throws (and makes the record unreadable) as the serializer does.
    /// </summary>
    private sealed class Utf8Pool
    {
        private const int SlotBits = 14;
        private const int Probes = 8;
        private readonly Slot[] slots = new Slot[1 << SlotBits];

        public string Get(ReadOnlySpan<byte> utf8)
        {
            var (low, high) = Pack(utf8);
            var hash = ((low * 0x9E3779B97F4A7C15) ^ (high * 0xC2B2AE3D27D4EB4F) ^ (ulong)utf8.Length) * 0xD6E8FEB86659FD93;
            for (var probe = 0; probe < Probes; probe++)
            {
                ref var slot = ref slots[(int)((hash >> (64 - SlotBits)) + (ulong)probe) & ((1 << SlotBits) - 1)];
                if (slot.Value is null)
                {
                    var text = StrictUtf8.GetString(utf8);
                    slot = new Slot(low, high, utf8.Length, utf8.Length > 16 ? utf8.ToArray() : null, text);
                    return text;
                }

                if (slot.Low == low && slot.High == high && slot.Length == utf8.Length && (slot.Long is null || utf8.SequenceEqual(slot.Long)))
                {
                    return slot.Value;
                }
            }

            return StrictUtf8.GetString(utf8);
        }

        /// <summary>Up to 16 bytes exactly (with the length, they name the value); of a longer value, its first and last 8.</summary>
        private static (ulong Low, ulong High) Pack(ReadOnlySpan<byte> utf8) => utf8.Length switch
        {
            0 => (0, 0),
            < 4 => ((ulong)utf8[0] | ((ulong)utf8[utf8.Length >> 1] << 8) | ((ulong)utf8[^1] << 16), 0),
            < 8 => (BinaryPrimitives.ReadUInt32LittleEndian(utf8) | ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(utf8[^4..]) << 32), 0),
            _ => (BinaryPrimitives.ReadUInt64LittleEndian(utf8), BinaryPrimitives.ReadUInt64LittleEndian(utf8[^8..])),
        };

        private readonly record struct Slot(ulong Low, ulong High, int Length, byte[]? Long, string? Value);
    }
}
