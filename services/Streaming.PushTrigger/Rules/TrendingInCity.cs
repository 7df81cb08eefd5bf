using Streaming.Profiles.Contracts;
using Streaming.PushTrigger.Users;

namespace Streaming.PushTrigger.Rules;

/// <summary>
/// <c>trending_in_city</c>: a product's trend turns <c>rising</c>; pushes the users active in the product's city
/// within <c>Window</c> (7 days) who have not booked it. A product whose city is unknown triggers nothing.
/// </summary>
public sealed class TrendingInCity : IProductRuleKind
{
    public string Name => "trending_in_city";

    public int? DefaultThreshold => null;

    public TimeSpan DefaultWindow => TimeSpan.FromDays(7);

    public TimeSpan DefaultDelay => TimeSpan.Zero;

    public IReadOnlySet<string> Placeholders { get; } = new HashSet<string>(StringComparer.Ordinal) { "city" };

    public ProductAudience Audience => ProductAudience.CityVisitors;

    public RuleTrigger? Triggered(PushRule rule, ProductProfile? previous, ProductProfile current, string? city)
    {
        if (string.IsNullOrEmpty(city) || current.Trend != ProfileTrends.Rising || previous?.Trend == ProfileTrends.Rising)
        {
            return null;
        }

        return new RuleTrigger(rule.Id, current.ProductId, city, RuleKinds.HourOf(current, DateTimeOffset.UnixEpoch),
            new Dictionary<string, string> { ["city"] = city });
    }

    public bool Targets(PushRule rule, UserActivity user, RuleTrigger trigger, DateTimeOffset now) =>
        trigger.City is { } city && user.Item(trigger.ProductId)?.BookedAt is null && user.ActiveIn(city, now - rule.Window);
}
