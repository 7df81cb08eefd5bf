using System.Text.RegularExpressions;
using CsCheck;
using Streaming.PushTrigger.Rules;
using Xunit.Abstractions;

namespace Streaming.PushTrigger.Tests;

/// <summary>
/// For any strings as <c>product_id</c> and <c>city</c> and any valid template: the rendered title and body hold no
/// markup character (the templates hold none), no control, bidirectional or separator character and no unpaired
/// surrogate, and are at most the template's length plus <see cref="PushTemplate.MaxValueLength"/> per placeholder;
/// or the push has no text and a reason. Values from a plain alphabet always render, exactly as substituted.
/// </summary>
public sealed partial class PushTextPropertyTests(ITestOutputHelper output)
{
    private const int Iterations = 100_000;
    private const string Plain = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./";

    /// <summary>Pieces that have broken renderers: markup, escapes, controls, bidi, separators, surrogates, invisible and look-alike placeholders.</summary>
    private static readonly Gen<string> Fragment = Gen.OneOf(
        "<", ">", "&", "\"", "'", "`", "\\", "<script>", "&lt;", "\u0000", "\t", "\n", "\r", "\u001B", "\u007F", "\u0085", "\u009B",
        "\u061C", "\u200E", "\u200F", "\u202A", "\u202E", "\u2066", "\u2069", "\u2028", "\u2029", "\uD800", "\uDC00", "\uD83D\uDE00",
        "\u200B", "\u2060", "\uFEFF", "\u00A0", "\u3000", " ", "서울", "é", "{city}", "{product_id}", "}", "{", "x", "Seoul");

    private static readonly Gen<string> AnyValue = Gen.Frequency(
        (3, Gen.String[0, 80]),
        (3, Fragment.Array[0, 12].Select(parts => string.Concat(parts))),
        (1, Gen.Int[60, 70].Select(n => new string('x', n))),
        (3, Gen.Char[Plain].Array[1, PushTemplate.MaxValueLength].Select(chars => new string(chars))));

    /// <summary>Templates as the validator accepts them: letters, spaces, punctuation without markup, and placeholders.</summary>
    private static readonly Gen<string> Template = Gen.OneOf("Trending in ", "{city}", "{product_id}", " is hot", "!", "? ", "{views}", "(", ")", ", ")
        .Array[1, 8].Select(parts => string.Concat(parts));

    private static readonly char[] MarkupCharacters = ['<', '>', '&', '"', '\'', '`', '\\'];

    [Fact]
    public void For_any_product_id_and_city_the_text_holds_no_markup_or_control_from_them_and_stays_within_the_caps()
    {
        var rendered = 0L;
        Gen.Select(AnyValue, AnyValue, Template, Template).Sample((productId, city, title, body) =>
        {
            var rule = Rules.Of("viewed_not_booked", r => (r.Title, r.Body) = (title, body));
            var trigger = new RuleTrigger(rule.Id, productId, city, "w", new Dictionary<string, string> { ["city"] = city, ["views"] = "3" });

            var text = PushTemplate.Render(rule, trigger);

            if (text.Problem is not null)
            {
                Assert.Equal(("", ""), (text.Title, text.Body));
                Assert.StartsWith("{", text.Problem, StringComparison.Ordinal);
                return;
            }

            Interlocked.Increment(ref rendered);
            foreach (var (rendering, template) in new[] { (text.Title, title), (text.Body, body) })
            {
                Assert.Equal(-1, rendering.IndexOfAny(MarkupCharacters));
                Assert.Null(Streaming.Events.EventText.NameProblem(rendering));
                Assert.True(rendering.Length <= template.Length + PushTemplate.Placeholders(template).Count() * PushTemplate.MaxValueLength);
            }

            if (IsPlain(productId) && IsPlain(city))
            {
                Assert.Equal(Substitute(title, productId, city), text.Title);
                Assert.Equal(Substitute(body, productId, city), text.Body);
            }
        }, iter: Iterations);

        output.WriteLine($"{Iterations} cases, {rendered} rendered");
        Assert.True(rendered > Iterations / 5, $"only {rendered} of {Iterations} rendered: the generator should reach the rendering");
    }

    [Fact]
    public void Plain_values_always_render()
    {
        var plain = Gen.Char[Plain].Array[1, PushTemplate.MaxValueLength].Select(chars => new string(chars));
        Gen.Select(plain, plain).Sample((productId, city) =>
        {
            var rule = Rules.Of("trending_in_city");
            var text = PushTemplate.Render(rule, new RuleTrigger(rule.Id, productId, city, "w", new Dictionary<string, string> { ["city"] = city }));

            Assert.Equal(new PushText($"Trending in {city}", $"{productId} is getting popular in {city} right now.", null), text);
        }, iter: 10_000);
    }

    private static bool IsPlain(string value) => value.Length <= PushTemplate.MaxValueLength && value.All(c => Plain.Contains(c, StringComparison.Ordinal));

    /// <summary>The naive substitution, in one pass, as the renderer did before values were checked.</summary>
    private static string Substitute(string template, string productId, string city) =>
        PlaceholderPattern().Replace(template, m => m.Value switch { "{product_id}" => productId, "{city}" => city, "{views}" => "3", _ => "" });

    [GeneratedRegex(@"\{[a-z_]+\}")]
    private static partial Regex PlaceholderPattern();
}
