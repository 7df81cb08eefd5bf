using System.Globalization;

namespace Streaming.Events;

/// <summary>
/// Event timestamps: ISO-8601 with an explicit offset (e.g. 2026-11-21T10:15:00Z), normalised to UTC, or, for an
/// event's occurred_at on the events topic, with the client's offset kept (the push trigger takes a user's time zone
/// from it; every comparison and window works on the instant, whatever the offset). Ingest takes occurred_at only in
/// the strict RFC 3339 form (<see cref="TryParseRfc3339"/>); the lenient parse serves readers of other sources.
/// </summary>
public static class EventTime
{
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        if (!TryParseKeepingOffset(text, out value))
        {
            return false;
        }

        value = value.ToUniversalTime();
        return true;
    }

    /// <summary>Like <see cref="TryParse"/>, but the value keeps the offset the text gave ("Z": UTC).</summary>
    public static bool TryParseKeepingOffset(string? text, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrEmpty(text) || text.Length > 40)
        {
            return false;
        }

        // An offset is required: a local time without one would be ambiguous across devices.
        var last = text[^1];
        var hasOffset = last is 'Z' or 'z' || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
        if (!hasOffset || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            return false;
        }

        value = parsed;
        return true;
    }

    /// <summary>
    /// RFC 3339 exactly, keeping the offset: <c>2026-12-07T16:28:20Z</c>, <c>2026-12-07T16:28:20.123+09:00</c>; 'T' and 'Z'
    /// in either case, 0 to 7 fractional digits, seconds 00-59, an offset of at most 14:00, nothing before or after.
    /// The round-trip format ("O") is one of these forms.
    /// </summary>
    public static bool TryParseRfc3339(string? text, out DateTimeOffset value)
    {
        value = default;
        if (text is null || text.Length is < 20 or > 33)
        {
            return false;
        }

        var s = text.AsSpan();
        if (!Digits(s, 0, 4, out var year) || s[4] != '-' || !Digits(s, 5, 2, out var month) || s[7] != '-' || !Digits(s, 8, 2, out var day)
            || s[10] is not ('T' or 't') || !Digits(s, 11, 2, out var hour) || s[13] != ':' || !Digits(s, 14, 2, out var minute)
            || s[16] != ':' || !Digits(s, 17, 2, out var second))
        {
            return false;
        }

        var end = 19;
        var fraction = 0;
        if (s[end] == '.')
        {
            var start = end + 1;
            end = start;
            while (end < s.Length && char.IsAsciiDigit(s[end]))
            {
                end++;
            }

            if (end - start is 0 or > 7 || !Digits(s, start, end - start, out fraction))
            {
                return false;
            }

            for (var scale = end - start; scale < 7; scale++)
            {
                fraction *= 10;
            }
        }

        var zone = s[end..];
        var offsetMinutes = 0;
        if (zone is not ['Z' or 'z'])
        {
            if (zone.Length != 6 || zone[0] is not ('+' or '-') || !Digits(zone, 1, 2, out var offsetHours) || zone[3] != ':'
                || !Digits(zone, 4, 2, out offsetMinutes) || offsetMinutes > 59 || offsetHours * 60 + offsetMinutes > 14 * 60)
            {
                return false;
            }

            offsetMinutes = (zone[0] == '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var offset = TimeSpan.FromMinutes(offsetMinutes);
        var local = new DateTime(year, month, day, hour, minute, second).Ticks + fraction;
        var utc = local - offset.Ticks;
        if (utc < DateTime.MinValue.Ticks || utc > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        value = new DateTimeOffset(local, offset);
        return true;
    }

    public static DateTimeOffset ParseRfc3339(string text) =>
        TryParseRfc3339(text, out var value) ? value : throw new FormatException($"'{text}' is not an RFC 3339 timestamp.");

    public static DateTimeOffset Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"'{text}' is not an ISO-8601 timestamp with an offset.");

    public static DateTimeOffset ParseKeepingOffset(string text) =>
        TryParseKeepingOffset(text, out var value) ? value : throw new FormatException($"'{text}' is not an ISO-8601 timestamp with an offset.");

    private static bool Digits(ReadOnlySpan<char> text, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            if (!char.IsAsciiDigit(text[i]))
            {
                return false;
            }

            value = value * 10 + (text[i] - '0');
        }

        return true;
    }
}
