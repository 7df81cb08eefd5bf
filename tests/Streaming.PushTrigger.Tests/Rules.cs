using Streaming.Profiles.Contracts;
using Streaming.PushTrigger.Rules;

namespace Streaming.PushTrigger.Tests;

/// <summary>The default rules resolved, and profiles to feed the product rules.</summary>
internal static class Rules
{
    private static readonly PushTriggerOptions Defaults = new() { Rules = [.. DefaultRules.Create()] };

    public static PushRule Of(string kind, Action<PushRuleOptions>? change = null)
    {
        var options = DefaultRules.Create().Single(r => r.Kind == kind);
        change?.Invoke(options);
        return PushRule.From(options, RuleKinds.Find(kind)!, Defaults.ReEligibility);
    }

    public static ProductProfile Profile(string product, long bookingsLastHour = 0, string trend = ProfileTrends.Steady, DateTimeOffset? asOf = null) =>
        ProductProfile.Empty(product) with { BookingsLastHour = bookingsLastHour, Trend = trend, AsOf = asOf };
}
