using System.Globalization;

namespace Streaming.Events;

/// <summary>
/// What an event's names and ids may contain. No string may hold a control character (C0, DEL, C1), a bidirectional
/// control, a line or paragraph separator or an unpaired surrogate: they split log lines, reorder what a dashboard or a
/// push shows, or cannot be encoded. An id also refuses invisible format characters, the markup characters
/// &lt; &gt; " ' ` \ and whitespace at either end: it becomes a key, a grain id and a URL segment ('/' is allowed).
/// </summary>
public static class EventText
{
    /// <summary>Why <paramref name="text"/> cannot be a name (city, category), e.g. "must not contain U+202E (a bidirectional control)"; null when it can.</summary>
    public static string? NameProblem(string text) => Problem(text, id: false);

    /// <summary>Why <paramref name="text"/> cannot be an id (user, session, product); null when it can.</summary>
    public static string? IdProblem(string text) =>
        text.Length > 0 && (char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1])) ? "must not start or end with whitespace" : Problem(text, id: true);

    private static string? Problem(string text, bool id)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            if (Kind(c, id) is { } kind)
            {
                return $"must not contain U+{(int)c:X4} ({kind})";
            }
        }

        return null;
    }

    private static string? Kind(char c, bool id) => c switch
    {
        _ when char.IsControl(c) => "a control character",
        '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') => "a bidirectional control",
        '\u2028' or '\u2029' => "a line or paragraph separator",
        _ when char.IsSurrogate(c) => "an unpaired surrogate",
        '<' or '>' or '"' or '\'' or '`' or '\\' when id => "a markup character",
        _ when id && char.GetUnicodeCategory(c) == UnicodeCategory.Format => "an invisible format character",
        _ => null,
    };
}
