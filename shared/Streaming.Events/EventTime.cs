using System.Globalization;

namespace Streaming.Events;

/// <summary>
/// Event timestamps: ISO-8601 with an explicit offset (e.g. 2026-11-21T10:15:00Z), normalised to UTC, or, for an
/// event's occurred_at on the events topic, with the client's offset kept (the push trigger takes a user's time zone
/// from it; every comparison and window works on the instant, whatever the offset).
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

    public static DateTimeOffset Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"'{text}' is not an ISO-8601 timestamp with an offset.");

    public static DateTimeOffset ParseKeepingOffset(string text) =>
        TryParseKeepingOffset(text, out var value) ? value : throw new FormatException($"'{text}' is not an ISO-8601 timestamp with an offset.");
}
