using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Streaming.Events;

/// <summary>
/// Reads an <see cref="AppEvent"/> from its JSON bytes faster than the serializer (docs/BENCHMARKS.md): every
/// topology reads every event, so this is the hot path. The serializer's own compact form is read without a JSON reader;
/// anything else goes through <see cref="Utf8JsonReader"/>. It accepts what <see cref="EventJsonContext"/> writes and is
/// stricter than the serializer about what an event must have: a missing required field is an error with a reason. A
/// field it does not know (written by a newer producer) is skipped; ingest, not the readers of Kafka records, refuses
/// those. No input makes it throw: what is not an event is refused with a reason, naming the field at fault.
/// Low-cardinality values (type, platform, country, city, currency, category, product) come from a per-thread pool
/// instead of a new string per event.
/// </summary>
public static class AppEventReader
{
    private const int MaxPooledBytes = 64;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private enum Mode
    {
        /// <summary>Every field read.</summary>
        Full,

        /// <summary>Every field checked; of the compact form, only type, product, times and amount read.</summary>
        Route,

        /// <summary>Every field checked; type, product, times and amount read, ids, city and category kept as bytes.</summary>
        Project,
    }

    public static bool TryRead(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out AppEvent? appEvent, [NotNullWhen(false)] out string? reason) =>
        TryRead(utf8, Mode.Full, out appEvent, out reason);

    /// <summary>
    /// For a stage that routes the record and forwards its bytes: accepts and refuses exactly what <see cref="TryRead"/>
    /// does (every field is checked), but of an event in the serializer's form only <c>type</c>, <c>product_id</c>,
    /// <c>occurred_at</c>, <c>received_at</c> and <c>amount</c> are read; the other strings are empty. Ids and names
    /// are most of a read's cost, and a router needs none of them.
    /// </summary>
    public static bool TryReadRoute(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out AppEvent? appEvent, [NotNullWhen(false)] out string? reason) =>
        TryRead(utf8, Mode.Route, out appEvent, out reason);

    /// <summary>
    /// For a consumer that keeps per-product state (the profiles silo): accepts and refuses exactly what
    /// <see cref="TryRead"/> does (every field is checked), and keeps what <see cref="AppEventProjection"/> has: type,
    /// product and time as values, <c>user_id</c> and <c>event_id</c> as their UTF-8 bytes (no string; an identity or a
    /// viewer key is hashed from them), city and category read only when asked. Allocates nothing for an event in the
    /// serializer's form whose product and type are in the pool.
    /// </summary>
    public static bool TryReadProjection(ReadOnlySpan<byte> utf8, out AppEventProjection projection, [NotNullWhen(false)] out string? reason)
    {
        reason = null;
        if (ScanCompact(utf8, Mode.Project, out _, out var p))
        {
            projection = new AppEventProjection(p.Type, p.ProductId, p.OccurredAt, utf8.Slice(p.UserIdAt, p.UserIdLength), utf8.Slice(p.EventIdAt, p.EventIdLength),
                p.CityLength < 0 ? default : utf8.Slice(p.CityAt, p.CityLength), p.CityLength >= 0,
                p.CategoryLength < 0 ? default : utf8.Slice(p.CategoryAt, p.CategoryLength), p.CategoryLength >= 0);
            return true;
        }

        var values = default(Values);
        if (!ScanAny(utf8, Mode.Project, ref values, out reason))
        {
            projection = default;
            return false;
        }

        projection = new AppEventProjection(values.Type!, values.ProductId, values.OccurredAt!.Value, values.UserIdUtf8.In(utf8), values.EventIdUtf8.In(utf8),
            values.CityUtf8.In(utf8), values.City is not null, values.CategoryUtf8.In(utf8), values.Category is not null);
        return true;
    }

    private static bool TryRead(ReadOnlySpan<byte> utf8, Mode mode, [NotNullWhen(true)] out AppEvent? appEvent, [NotNullWhen(false)] out string? reason)
    {
        reason = null;
        if (ScanCompact(utf8, mode, out appEvent, out _) && appEvent is not null)
        {
            return true;
        }

        var values = default(Values);
        appEvent = ScanAny(utf8, Mode.Full, ref values, out reason) ? values.ToEvent() : null;
        return appEvent is not null;
    }

    /// <summary>The compact form only (see <see cref="ScanCompact"/>); for the tests.</summary>
    internal static bool TryReadCompact(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out AppEvent? appEvent, bool routeOnly = false) =>
        ScanCompact(utf8, routeOnly ? Mode.Route : Mode.Full, out appEvent, out _) && appEvent is not null;

    /// <summary>The JSON-reader path only (see <see cref="ScanAny"/>); for the tests.</summary>
    internal static bool TryReadAny(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out AppEvent? appEvent, [NotNullWhen(false)] out string? reason)
    {
        var values = default(Values);
        appEvent = ScanAny(utf8, Mode.Full, ref values, out reason) ? values.ToEvent() : null;
        return appEvent is not null;
    }

    /// <summary>
    /// The form the serializer writes, read without a JSON reader: one flat object, no whitespace, strings without
    /// escapes or control characters, valid UTF-8, integer amounts, each field once, known fields only, times in the
    /// UTC form, every required field there. Anything else returns false and goes to <see cref="ScanAny"/>, which
    /// decides (and gives the reason), so this never accepts what that refuses nor reads a value differently.
    /// </summary>
    /// <param name="mode">Outside <see cref="Mode.Full"/>, every field is checked but only type, product, times and
    /// amount are read; the other strings are empty (which also marks a required one as present). In
    /// <see cref="Mode.Project"/> the event is <paramref name="projected"/> instead (no <paramref name="appEvent"/>).</param>
    private static bool ScanCompact(ReadOnlySpan<byte> utf8, Mode mode, out AppEvent? appEvent, out CompactProjection projected)
    {
        // Locals, not a struct behind a reference: this is the hot path, and stores through a reference cost a GC barrier each.
        appEvent = null;
        projected = default;
        string? eventId = null, type = null, userId = null, sessionId = null, productId = null, platform = null;
        string? country = null, city = null, currency = null, category = null;
        DateTimeOffset? occurredAt = null, receivedAt = null;
        long? amount = null;
        int userIdAt = 0, userIdLength = 0, eventIdAt = 0, eventIdLength = 0, cityAt = 0, cityLength = -1, categoryAt = 0, categoryLength = -1;
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
                var valueAt = at + 1;
                at += length + 2;
                if (field is not (Field.OccurredAt or Field.ReceivedAt) && (value.IndexOfAnyInRange((byte)0, (byte)0x1F) >= 0 || !Utf8.IsValid(value)))
                {
                    return false;
                }

                if (mode != Mode.Full && field is not (Field.Type or Field.ProductId or Field.OccurredAt or Field.ReceivedAt or Field.Amount))
                {
                    // Checked above (no control characters, valid UTF-8) as the full read checks it; only not read (its place kept).
                    switch (field)
                    {
                        case Field.EventId: (eventId, eventIdAt, eventIdLength) = (string.Empty, valueAt, length); break;
                        case Field.UserId: (userId, userIdAt, userIdLength) = (string.Empty, valueAt, length); break;
                        case Field.SessionId: sessionId = string.Empty; break;
                        case Field.Platform: platform = string.Empty; break;
                        case Field.Country: country = string.Empty; break;
                        case Field.City: (city, cityAt, cityLength) = (string.Empty, valueAt, length); break;
                        case Field.Currency: currency = string.Empty; break;
                        case Field.Category: (category, categoryAt, categoryLength) = (string.Empty, valueAt, length); break;
                    }
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

        if (mode == Mode.Project)
        {
            projected = new CompactProjection(type, productId, occurredAt.Value, userIdAt, userIdLength, eventIdAt, eventIdLength,
                city is null ? 0 : cityAt, city is null ? -1 : cityLength, category is null ? 0 : categoryAt, category is null ? -1 : categoryLength);
            return true;
        }

        appEvent = new AppEvent(eventId, type, userId, sessionId, productId, occurredAt.Value, platform, country, city, amount, currency, receivedAt.Value, category);
        return true;
    }

    /// <summary>A projection of the compact form: its values, and where the strings it keeps as bytes lie (length -1: absent).</summary>
    private readonly record struct CompactProjection(string Type, string? ProductId, DateTimeOffset OccurredAt, int UserIdAt, int UserIdLength,
        int EventIdAt, int EventIdLength, int CityAt, int CityLength, int CategoryAt, int CategoryLength);

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

    /// <summary>
    /// Any JSON the serializer would read as an event, through <see cref="Utf8JsonReader"/>, skipping fields it does not
    /// know; a reason when it is not one. <see cref="Mode.Route"/> reads as <see cref="Mode.Full"/> here.
    /// </summary>
    private static bool ScanAny(ReadOnlySpan<byte> utf8, Mode mode, ref Values v, [NotNullWhen(false)] out string? reason)
    {
        v = default;
        var project = mode == Mode.Project;
        var field = Field.Unknown;
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
                field = FieldOf(ref reader);
                reader.Read();
                switch (field)
                {
                    case Field.Unknown: reader.Skip(); break; // a newer producer's field
                    case Field.EventId: v.EventId = project ? Deferred(ref reader, out v.EventIdUtf8) : Text(ref reader); break;
                    case Field.Type: v.Type = Pooled(ref reader); break;
                    case Field.UserId: v.UserId = project ? Deferred(ref reader, out v.UserIdUtf8) : Text(ref reader); break;
                    case Field.SessionId: v.SessionId = project ? Deferred(ref reader, out _) : Text(ref reader); break;
                    case Field.ProductId: v.ProductId = Pooled(ref reader); break;
                    case Field.OccurredAt: v.OccurredAt = Time(ref reader); break;
                    case Field.Platform: v.Platform = project ? Deferred(ref reader, out _) : Pooled(ref reader); break;
                    case Field.Country: v.Country = project ? Deferred(ref reader, out _) : Pooled(ref reader); break;
                    case Field.City: v.City = project ? Deferred(ref reader, out v.CityUtf8) : Pooled(ref reader); break;
                    case Field.Amount: v.Amount = reader.TokenType == JsonTokenType.Null ? null : reader.GetInt64(); break;
                    case Field.Currency: v.Currency = project ? Deferred(ref reader, out _) : Pooled(ref reader); break;
                    case Field.ReceivedAt: v.ReceivedAt = Time(ref reader); break;
                    default: v.Category = project ? Deferred(ref reader, out v.CategoryUtf8) : Pooled(ref reader); break;
                }

                field = Field.Unknown;
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                reason = "not a valid AppEvent: content after the object";
                return false;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            // A value's own error names its field; the reader's (bad JSON) names where it is.
            reason = field == Field.Unknown ? $"not a valid AppEvent: {ex.Message}" : $"not a valid AppEvent: {Encoding.UTF8.GetString(NameOf(field))}: {ex.Message}";
            return false;
        }

        reason = v.Missing();
        return reason is null;
    }

    /// <summary>What the JSON-reader path read of an event (or, for a field a projection keeps as bytes, "" and where they are).</summary>
    private struct Values
    {
        public string? EventId, Type, UserId, SessionId, ProductId, Platform, Country, City, Currency, Category;
        public DateTimeOffset? OccurredAt, ReceivedAt;
        public long? Amount;
        public Utf8Value EventIdUtf8, UserIdUtf8, CityUtf8, CategoryUtf8;

        /// <summary>Why the event is not one: the first required field missing; null when none is.</summary>
        public readonly string? Missing() =>
            EventId is null ? "not a valid AppEvent: event_id is missing"
            : Type is null ? "not a valid AppEvent: type is missing"
            : UserId is null ? "not a valid AppEvent: user_id is missing"
            : SessionId is null ? "not a valid AppEvent: session_id is missing"
            : Platform is null ? "not a valid AppEvent: platform is missing"
            : Country is null ? "not a valid AppEvent: country is missing"
            : OccurredAt is null ? "not a valid AppEvent: occurred_at is missing"
            : ReceivedAt is null ? "not a valid AppEvent: received_at is missing"
            : null;

        public readonly AppEvent ToEvent() =>
            new(EventId!, Type!, UserId!, SessionId!, ProductId, OccurredAt!.Value, Platform!, Country!, City, Amount, Currency, ReceivedAt!.Value, Category);
    }

    /// <summary>Where a string value's UTF-8 is: in the record (unescaped) or in a copy (it was escaped).</summary>
    private readonly record struct Utf8Value(int Start, int Length, byte[]? Copy)
    {
        public ReadOnlySpan<byte> In(ReadOnlySpan<byte> utf8) => Copy is null ? utf8.Slice(Start, Length) : Copy.AsSpan(0, Length);
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

    /// <summary>
    /// A string checked as <see cref="Text"/> reads it (valid UTF-8, escapes that make text), kept as its UTF-8: in the
    /// record when unescaped, else unescaped into a copy. Returns "" when present, null for JSON null.
    /// </summary>
    private static string? Deferred(ref Utf8JsonReader reader, out Utf8Value value)
    {
        value = default;
        if (reader.TokenType != JsonTokenType.String)
        {
            return Text(ref reader);
        }

        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            if (!Utf8.IsValid(reader.ValueSpan))
            {
                throw new InvalidOperationException("not valid UTF-8");
            }

            value = new Utf8Value((int)reader.TokenStartIndex + 1, reader.ValueSpan.Length, null);
            return string.Empty;
        }

        var copy = new byte[reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length];
        var length = reader.CopyString(copy);
        if (!Utf8.IsValid(copy.AsSpan(0, length)))
        {
            throw new InvalidOperationException("not valid UTF-8");
        }

        value = new Utf8Value(0, length, copy);
        return string.Empty;
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
    internal static string Pooled(ReadOnlySpan<byte> utf8) =>
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
