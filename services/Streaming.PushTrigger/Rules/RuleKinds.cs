namespace Streaming.PushTrigger.Rules;

/// <summary>The rule kinds a configuration may name. A new kind: one file implementing a kind interface, one line here.</summary>
public static class RuleKinds
{
    public static readonly IReadOnlyList<IPushRuleKind> All =
    [
        new WishlistSellingFast(),
        new ViewedNotBooked(),
        new TrendingInCity(),
    ];

    public static IPushRuleKind? Find(string name) => All.FirstOrDefault(k => k.Name == name);

    /// <summary>The enabled rules of a validated configuration.</summary>
    public static IReadOnlyList<PushRule> Resolve(PushTriggerOptions options) =>
        [.. options.Rules.Where(r => r.Enabled).Select(r => PushRule.From(r, Find(r.Kind)!, options.ReEligibility))];

    /// <summary>The hour (UTC) a product change happened by event time: the occasion a product rule fired for.</summary>
    internal static string HourOf(Profiles.Contracts.ProductProfile profile, DateTimeOffset fallback) =>
        (profile.AsOf ?? fallback).UtcDateTime.ToString("yyyy-MM-dd'T'HH", System.Globalization.CultureInfo.InvariantCulture);
}
