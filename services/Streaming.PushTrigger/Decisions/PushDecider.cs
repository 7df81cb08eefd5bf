using Streaming.Push.Contracts;
using Streaming.PushTrigger.Rules;
using Streaming.PushTrigger.Users;

namespace Streaming.PushTrigger.Decisions;

/// <summary>
/// Decides whether a triggered rule pushes a user: suppressed when an event value it would show is unsafe (see
/// <see cref="PushTemplate"/>), held for quiet hours (or expired when they outlast the TTL), suppressed by a cap (the
/// reason names it), or sent. Every decision is recorded in the user's state by push id, so
/// deciding the same push again (a replay) returns nothing. Plain C#; "now" comes from the <see cref="TimeProvider"/>.
/// </summary>
public sealed class PushDecider(PushTriggerOptions options, TimeProvider clock)
{
    /// <summary>The start of the reason of a push suppressed because its product was pushed lately.</summary>
    public const string ProductCap = "cap product";

    /// <summary>The start of the reason of a push suppressed because a value its text would show fails the rules.</summary>
    public const string UnsafeValue = "unsafe placeholder value";

    private readonly QuietHours quietHours = new(options.QuietHoursStart, options.QuietHoursEnd);

    /// <summary>The decision, or null if this push was decided before.</summary>
    public PushDecision? Decide(string userId, UserActivity user, PushRule rule, RuleTrigger trigger)
    {
        var pushId = PushId.Of(rule.Id, userId, trigger.ProductId, trigger.Window);
        if (user.State.Pushes.ContainsKey(pushId))
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var offset = user.UtcOffset;
        var sendAt = quietHours.SendAt(now, offset);
        var held = sendAt > now;
        var text = PushTemplate.Render(rule, trigger);
        var (outcome, reason) = text.Problem is { } unsafeValue
            ? (PushOutcomes.Suppressed, $"{UnsafeValue}: {unsafeValue}")
            : held && sendAt - now > options.Ttl
                ? (PushOutcomes.Expired, $"quiet hours until {Local(sendAt, offset)} outlast the TTL of {options.Ttl}")
                : CapReason(user.State, rule, trigger.ProductId, sendAt, offset) is { } cap
                    ? (PushOutcomes.Suppressed, cap)
                    : held
                        ? (PushOutcomes.Held, $"quiet hours {options.QuietHoursStart:hh\\:mm}-{options.QuietHoursEnd:hh\\:mm} local: sending at {Local(sendAt, offset)}")
                        : (PushOutcomes.Sent, $"rule {rule.Id} fired for {trigger.Window}");
        var decision = new PushDecision(pushId, userId, trigger.ProductId, rule.Id, rule.Kind.Name, outcome, reason, now, sendAt,
            text.Title, text.Body,
            CollapseKey: $"{rule.Id}:{trigger.ProductId}",
            TtlSeconds: (int)Math.Max(0, (now + options.Ttl - sendAt).TotalSeconds));
        user.State.Pushes[pushId] = new DecidedPush(rule.Id, trigger.ProductId, now, sendAt, decision.ToSend, decision, trigger.City);
        return decision;
    }

    /// <summary>The first cap a push at <paramref name="sendAt"/> would break, or null. Held pushes count at their send time.</summary>
    private string? CapReason(UserState user, PushRule rule, string productId, DateTimeOffset sendAt, TimeSpan offset)
    {
        var counted = user.Pushes.Values.Where(p => p.Counts).ToList();
        var day = sendAt.ToOffset(offset).Date;
        var sameDay = counted.Count(p => p.SendAt.ToOffset(offset).Date == day);
        if (sameDay >= options.MaxPerLocalDay)
        {
            return $"cap daily: {sameDay} of {options.MaxPerLocalDay} pushes already on local day {day:yyyy-MM-dd} (UTC{Offset(offset)})";
        }

        if (counted.FirstOrDefault(p => (p.SendAt - sendAt).Duration() < options.MinGap) is { } near)
        {
            return $"cap gap: another push at {Local(near.SendAt, offset)}, less than {options.MinGap} apart";
        }

        if (counted.FirstOrDefault(p => p.ProductId == productId && (p.SendAt - sendAt).Duration() < options.ProductCooldown) is { } same)
        {
            return $"{ProductCap}: {productId} pushed at {Local(same.SendAt, offset)}, within {options.ProductCooldown}";
        }

        if (counted.FirstOrDefault(p => p.Rule == rule.Id && sendAt - p.SendAt < rule.ReEligibility) is { } earlier)
        {
            return $"re-eligibility: rule {rule.Id} pushed at {Local(earlier.SendAt, offset)}, eligible again after {rule.ReEligibility}";
        }

        return null;
    }

    private static string Local(DateTimeOffset at, TimeSpan offset) =>
        at.ToOffset(offset).ToString("yyyy-MM-dd HH:mm zzz", System.Globalization.CultureInfo.InvariantCulture);

    private static string Offset(TimeSpan offset) => (offset < TimeSpan.Zero ? "-" : "+") + offset.ToString(@"hh\:mm", System.Globalization.CultureInfo.InvariantCulture);
}
