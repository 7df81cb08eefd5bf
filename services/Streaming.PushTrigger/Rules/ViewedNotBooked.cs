using System.Globalization;
using Streaming.PushTrigger.Users;

namespace Streaming.PushTrigger.Rules;

/// <summary>
/// <c>viewed_not_booked</c>: the user viewed a product at least <c>Threshold</c> (3) times within <c>Window</c> (24 h)
/// and has not booked it; fires <c>Delay</c> (30 minutes) after the last view, so a user still browsing is left alone.
/// The occasion is the UTC day of the last view.
/// </summary>
public sealed class ViewedNotBooked : IUserRuleKind
{
    public string Name => "viewed_not_booked";

    public int? DefaultThreshold => 3;

    public TimeSpan DefaultWindow => TimeSpan.FromHours(24);

    public TimeSpan DefaultDelay => TimeSpan.FromMinutes(30);

    public IReadOnlySet<string> Placeholders { get; } = new HashSet<string>(StringComparer.Ordinal) { "views", "city" };

    public UserCheck Check(PushRule rule, UserActivity user, string productId, DateTimeOffset now)
    {
        if (user.Item(productId) is not { BookedAt: null, Views: [.., var last] views } item)
        {
            return UserCheck.Never;
        }

        var recent = views.Count(v => v > last - rule.Window);
        if (recent < rule.Threshold)
        {
            return UserCheck.Never;
        }

        var due = last + rule.Delay;
        if (now < due)
        {
            return new UserCheck(null, due);
        }

        var window = last.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return new UserCheck(new RuleTrigger(rule.Id, productId, item.City, window, new Dictionary<string, string>
        {
            ["views"] = recent.ToString(CultureInfo.InvariantCulture),
            ["city"] = item.City ?? "",
        }), null);
    }
}
