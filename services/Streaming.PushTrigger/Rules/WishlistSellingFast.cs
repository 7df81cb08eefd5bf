using System.Globalization;
using Streaming.Profiles.Contracts;
using Streaming.PushTrigger.Users;

namespace Streaming.PushTrigger.Rules;

/// <summary>
/// <c>wishlist_selling_fast</c>: a product's bookings in the last hour go from below <c>Threshold</c> (5) to it or
/// more; pushes the users who wishlisted it within <c>Window</c> (30 days) and have not booked it.
/// </summary>
public sealed class WishlistSellingFast : IProductRuleKind
{
    public string Name => "wishlist_selling_fast";

    public int? DefaultThreshold => 5;

    public TimeSpan DefaultWindow => TimeSpan.FromDays(30);

    public TimeSpan DefaultDelay => TimeSpan.Zero;

    public IReadOnlySet<string> Placeholders { get; } = new HashSet<string>(StringComparer.Ordinal) { "bookings_last_hour", "city" };

    public ProductAudience Audience => ProductAudience.Wishlisters;

    public RuleTrigger? Triggered(PushRule rule, ProductProfile? previous, ProductProfile current, string? city)
    {
        var before = previous?.BookingsLastHour ?? 0;
        if (before >= rule.Threshold || current.BookingsLastHour < rule.Threshold)
        {
            return null;
        }

        return new RuleTrigger(rule.Id, current.ProductId, city, RuleKinds.HourOf(current, DateTimeOffset.UnixEpoch),
            new Dictionary<string, string>
            {
                ["bookings_last_hour"] = current.BookingsLastHour.ToString(CultureInfo.InvariantCulture),
                ["city"] = city ?? "",
            });
    }

    public bool Targets(PushRule rule, UserActivity user, RuleTrigger trigger, DateTimeOffset now) =>
        user.Item(trigger.ProductId) is { BookedAt: null, WishlistedAt: { } wishlisted } && wishlisted >= now - rule.Window;
}
