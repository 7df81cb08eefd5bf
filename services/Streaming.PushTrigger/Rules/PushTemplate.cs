using System.Buffers;
using System.Text.RegularExpressions;
using Streaming.Events;

namespace Streaming.PushTrigger.Rules;

/// <summary>
/// Title and body templates: <c>{name}</c> is replaced by the trigger's value; nothing else is special. Values come
/// from events, which anyone holding the public app key can write (and records may reach Kafka without ingest), so a
/// value is shown only when it passes ingest's rules (<see cref="EventText"/>: an id for <c>product_id</c> and the
/// numbers, a name for <c>city</c>), is at most <see cref="MaxValueLength"/> characters and holds no markup character.
/// A value that fails is never shown: the push is suppressed (see <see cref="Render"/>). A template is plain text.
/// </summary>
public static partial class PushTemplate
{
    public const int MaxTitleLength = 120;
    public const int MaxBodyLength = 500;

    /// <summary>The longest value a placeholder shows (ids are at most this long; a longer city does not fit a title).</summary>
    public const int MaxValueLength = 64;

    /// <summary>The placeholders whose values are names (the name rule allows spaces, punctuation and any script).</summary>
    private static readonly HashSet<string> NamePlaceholders = new(StringComparer.Ordinal) { "city" };

    /// <summary>What a client rendering HTML or XML would read as markup, and the escapes of JS and JSON.</summary>
    private static readonly SearchValues<char> Markup = SearchValues.Create("<>&\"'`\\");

    /// <summary>The placeholders <paramref name="template"/> uses.</summary>
    public static IEnumerable<string> Placeholders(string template) => Placeholder().Matches(template).Select(m => m.Groups[1].Value);

    /// <summary>
    /// The rule's title and body for the trigger, or why they cannot be shown. The product id is checked even when the
    /// templates do not show it (the push carries it, and its collapse key is made of it); another value only when a
    /// template shows it. One pass: a value that looks like a placeholder stays text.
    /// </summary>
    public static PushText Render(PushRule rule, RuleTrigger trigger)
    {
        var values = new Dictionary<string, string>(trigger.Values, StringComparer.Ordinal) { ["product_id"] = trigger.ProductId };
        var shown = Placeholders(rule.Title).Concat(Placeholders(rule.Body)).Prepend("product_id").Distinct(StringComparer.Ordinal);
        foreach (var placeholder in shown)
        {
            var value = values.GetValueOrDefault(placeholder, "");
            if (ValueProblem(placeholder, value) is { } problem)
            {
                return PushText.Unsafe($"{{{placeholder}}} {problem}");
            }

            values[placeholder] = Shown(placeholder, value);
        }

        return new PushText(Fill(rule.Title, values), Fill(rule.Body, values), null);
    }

    /// <summary>
    /// Why <paramref name="value"/> may not fill <paramref name="placeholder"/>, e.g. "must not contain U+003C (a markup
    /// character)"; null when it may. An empty value (a city not known) shows as nothing, as it always has. The value
    /// itself is never part of the answer: it goes to the decision log, which support staff read.
    /// </summary>
    public static string? ValueProblem(string placeholder, string value)
    {
        if (value.Length > MaxValueLength)
        {
            return $"is {value.Length} characters, more than {MaxValueLength}";
        }

        var name = NamePlaceholders.Contains(placeholder);
        if (name && value.Length > 0 && string.IsNullOrWhiteSpace(value))
        {
            return "is only whitespace";
        }

        if ((name ? EventText.NameProblem(value) : EventText.IdProblem(value)) is { } problem)
        {
            return problem;
        }

        var markup = Shown(placeholder, value).AsSpan().IndexOfAny(Markup);
        return markup < 0 ? null : $"must not contain U+{(int)value[markup]:X4} (a markup character)";
    }

    /// <summary>A brace that does not belong to a placeholder (a typo like "{city" would otherwise show to users).</summary>
    public static bool HasStrayBrace(string template)
    {
        var rest = Placeholder().Replace(template, "");
        return rest.Contains('{', StringComparison.Ordinal) || rest.Contains('}', StringComparison.Ordinal);
    }

    /// <summary>A name's apostrophe (L'Aquila) shows as the typographic one, which no client reads as markup.</summary>
    private static string Shown(string placeholder, string value) =>
        NamePlaceholders.Contains(placeholder) ? value.Replace('\'', '\u2019') : value;

    private static string Fill(string template, Dictionary<string, string> values) =>
        Placeholder().Replace(template, m => values.GetValueOrDefault(m.Groups[1].Value, ""));

    [GeneratedRegex(@"\{([a-z_]+)\}")]
    private static partial Regex Placeholder();
}

/// <summary>A push's rendered title and body; or, when <see cref="Problem"/> is set, none (both empty) and why.</summary>
public sealed record PushText(string Title, string Body, string? Problem)
{
    public static PushText Unsafe(string problem) => new("", "", problem);
}
