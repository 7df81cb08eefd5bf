using Streaming.Profiles.Contracts;
using Streaming.PushTrigger.Users;

namespace Streaming.PushTrigger.Rules;

/// <summary>
/// <c>trending_in_city</c>: a product's trend turns <c>rising</c>; pushes the users active in the product's city
/// within <c>Window</c> (7 days) who have not booked it. A product whose city is unknown triggers nothing. A user is
/// asked about one rising product per city per hour: the decision about the first (sent, held, or suppressed by the
/// one-hour gap, the daily cap or this rule's re-eligibility) holds for the others of that hour, which the same caps
/// would suppress. Without this every rising product asked every visitor of its city: 20 products rising in 20
/// cities of 100,000 users wrote 155,402 rows, all suppressed (`./run bench push-cpu`), and a demo start, where every
/// product rises at once, about 190,000.
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

    /// <summary>How long a decision about one product of a city answers for the city's other rising products.</summary>
    public static readonly TimeSpan CityOccasion = TimeSpan.FromHours(1);

    public bool Targets(PushRule rule, UserActivity user, RuleTrigger trigger, DateTimeOffset now) =>
        trigger.City is { } city && user.Item(trigger.ProductId)?.BookedAt is null && user.ActiveIn(city, now - rule.Window)
        && !user.DecidedInCity(rule.Id, city, trigger.ProductId, now - CityOccasion);
}
