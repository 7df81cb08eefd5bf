using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Streaming.Events;

namespace Streaming.PushTrigger.Rules;

/// <summary>
/// Checks the rules and caps at start: each failure names its configuration key (e.g.
/// <c>PushTrigger:Rules:2:Threshold</c>), and any failure stops the service.
/// </summary>
public sealed partial class PushTriggerOptionsValidator : IValidateOptions<PushTriggerOptions>
{
    private const string Prefix = PushTriggerOptions.Section + ":";

    public ValidateOptionsResult Validate(string? name, PushTriggerOptions options)
    {
        var failures = Failures(options).ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static IEnumerable<string> Failures(PushTriggerOptions o)
    {
        if (o.MaxPerLocalDay is < 1 or > 100)
        {
            yield return $"{Prefix}MaxPerLocalDay must be 1..100 (was {o.MaxPerLocalDay})";
        }

        foreach (var (key, value, max) in new[]
        {
            ("ProductCooldown", o.ProductCooldown, TimeSpan.FromDays(30)),
            ("MinGap", o.MinGap, TimeSpan.FromDays(1)),
            ("ReEligibility", o.ReEligibility, o.ActivityWindow),
            ("Ttl", o.Ttl, TimeSpan.FromDays(2)),
        })
        {
            if (value < TimeSpan.Zero || value > max)
            {
                yield return $"{Prefix}{key} must be between 0 and {max} (was {value})";
            }
        }

        if (o.ActivityWindow < TimeSpan.FromHours(1) || o.ActivityWindow > TimeSpan.FromDays(90))
        {
            yield return $"{Prefix}ActivityWindow must be between 1 hour and 90 days (was {o.ActivityWindow})";
        }

        if (o.MaxItemsPerUser is < 1 or > 10_000)
        {
            yield return $"{Prefix}MaxItemsPerUser must be 1..10000 (was {o.MaxItemsPerUser})";
        }

        if (o.MaxAudience is < 1 or > 1_000_000)
        {
            yield return $"{Prefix}MaxAudience must be 1..1000000 (was {o.MaxAudience})";
        }

        foreach (var (key, value) in new[] { ("QuietHoursStart", o.QuietHoursStart), ("QuietHoursEnd", o.QuietHoursEnd) })
        {
            if (value < TimeSpan.Zero || value >= TimeSpan.FromDays(1))
            {
                yield return $"{Prefix}{key} must be a time of day, 00:00..23:59 (was {value})";
            }
        }

        if (o.Rules.Count == 0)
        {
            yield return $"{Prefix}Rules must declare at least one rule";
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < o.Rules.Count; i++)
        {
            foreach (var failure in RuleFailures(o.Rules[i], $"{Prefix}Rules:{i}:", ids, o.ActivityWindow))
            {
                yield return failure;
            }
        }
    }

    private static IEnumerable<string> RuleFailures(PushRuleOptions rule, string at, HashSet<string> ids, TimeSpan activityWindow)
    {
        if (!RuleId().IsMatch(rule.Id ?? ""))
        {
            yield return $"{at}Id must be 1..64 of a-z, 0-9, '_', '-' (was '{rule.Id}')";
        }
        else if (!ids.Add(rule.Id!))
        {
            yield return $"{at}Id '{rule.Id}' is declared twice";
        }

        var kind = RuleKinds.Find(rule.Kind ?? "");
        if (kind is null)
        {
            yield return $"{at}Kind must be one of {string.Join(", ", RuleKinds.All.Select(k => k.Name))} (was '{rule.Kind}')";
            yield break;
        }

        if (rule.Threshold is { } threshold && (kind.DefaultThreshold is null || threshold is < 1 or > 100_000))
        {
            yield return kind.DefaultThreshold is null
                ? $"{at}Threshold is not used by {kind.Name}: leave it out"
                : $"{at}Threshold must be 1..100000 (was {threshold})";
        }

        if (rule.Window is { } window && (window <= TimeSpan.Zero || window > activityWindow))
        {
            yield return $"{at}Window must be positive and at most the activity window {activityWindow} (was {window})";
        }

        if (rule.Delay is { } delay && (delay < TimeSpan.Zero || delay > TimeSpan.FromDays(1)))
        {
            yield return $"{at}Delay must be between 0 and 1 day (was {delay})";
        }

        if (rule.ReEligibility is { } again && (again < TimeSpan.Zero || again > activityWindow))
        {
            yield return $"{at}ReEligibility must be between 0 and the activity window {activityWindow} (was {again})";
        }

        foreach (var (field, template, max) in new[] { ("Title", rule.Title, PushTemplate.MaxTitleLength), ("Body", rule.Body, PushTemplate.MaxBodyLength) })
        {
            if (string.IsNullOrWhiteSpace(template) || template.Length > max)
            {
                yield return $"{at}{field} is required, at most {max} characters";
                continue;
            }

            // A template is text as ingest accepts a name: no control, bidirectional or separator character.
            if (EventText.NameProblem(template) is { } problem)
            {
                yield return $"{at}{field} {problem}";
                continue;
            }

            var unknown = PushTemplate.Placeholders(template).Where(p => p != "product_id" && !kind.Placeholders.Contains(p)).ToList();
            if (unknown.Count > 0)
            {
                yield return $"{at}{field} uses {{{unknown[0]}}}, which {kind.Name} does not fill (it fills product_id, {string.Join(", ", kind.Placeholders)})";
            }
            else if (PushTemplate.HasStrayBrace(template))
            {
                yield return $"{at}{field} has a brace that is not a placeholder like {{product_id}}";
            }
        }
    }

    [GeneratedRegex("^[a-z0-9_-]{1,64}$")]
    private static partial Regex RuleId();
}
