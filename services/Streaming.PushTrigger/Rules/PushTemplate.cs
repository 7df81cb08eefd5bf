using System.Text;
using System.Text.RegularExpressions;

namespace Streaming.PushTrigger.Rules;

/// <summary>Title and body templates: <c>{name}</c> is replaced by the trigger's value; nothing else is special.</summary>
public static partial class PushTemplate
{
    public const int MaxTitleLength = 120;
    public const int MaxBodyLength = 500;

    /// <summary>The placeholders <paramref name="template"/> uses.</summary>
    public static IEnumerable<string> Placeholders(string template) => Placeholder().Matches(template).Select(m => m.Groups[1].Value);

    public static string Render(string template, string productId, IReadOnlyDictionary<string, string> values) =>
        Placeholder().Replace(template, m => m.Groups[1].Value == "product_id" ? productId : values.GetValueOrDefault(m.Groups[1].Value, ""));

    /// <summary>A brace that does not belong to a placeholder (a typo like "{city" would otherwise show to users).</summary>
    public static bool HasStrayBrace(string template)
    {
        var rest = Placeholder().Replace(template, "");
        return rest.Contains('{', StringComparison.Ordinal) || rest.Contains('}', StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\{([a-z_]+)\}")]
    private static partial Regex Placeholder();
}
