using Streaming.Profiles.Contracts;
using Streaming.PushTrigger.Users;

namespace Streaming.PushTrigger.Rules;

/// <summary>
/// A kind of push rule (one file per kind, listed in <see cref="RuleKinds"/>). A kind is triggered either by a
/// product's profile changing (<see cref="IProductRuleKind"/>) or by a user's own activity (<see cref="IUserRuleKind"/>).
/// </summary>
public interface IPushRuleKind
{
    /// <summary>The name a rule's <c>Kind</c> gives, e.g. <c>wishlist_selling_fast</c>.</summary>
    string Name { get; }

    /// <summary>Used when a rule leaves <c>Threshold</c> out; null: the kind takes no threshold.</summary>
    int? DefaultThreshold { get; }

    TimeSpan DefaultWindow { get; }

    TimeSpan DefaultDelay { get; }

    /// <summary>The placeholders its templates may use (besides <c>product_id</c>).</summary>
    IReadOnlySet<string> Placeholders { get; }
}

/// <summary>Who a product rule looks at when it triggers.</summary>
public enum ProductAudience
{
    /// <summary>Users who wishlisted the product within the rule's window.</summary>
    Wishlisters,

    /// <summary>Users recently active in the product's city.</summary>
    CityVisitors,
}

/// <summary>A rule triggered by a change of a product's live profile.</summary>
public interface IProductRuleKind : IPushRuleKind
{
    ProductAudience Audience { get; }

    /// <summary>
    /// Whether the change from <paramref name="previous"/> (null: none seen yet) to <paramref name="current"/> triggers
    /// the rule. <paramref name="city"/> is the product's city if known.
    /// </summary>
    RuleTrigger? Triggered(PushRule rule, ProductProfile? previous, ProductProfile current, string? city);

    /// <summary>Whether the trigger concerns this user (e.g. they wishlisted the product and have not booked it).</summary>
    bool Targets(PushRule rule, UserActivity user, RuleTrigger trigger, DateTimeOffset now);
}

/// <summary>A rule triggered by a user's own activity on a product.</summary>
public interface IUserRuleKind : IPushRuleKind
{
    /// <summary>After activity on <paramref name="productId"/>: the trigger if it is due now, else when to look again.</summary>
    UserCheck Check(PushRule rule, UserActivity user, string productId, DateTimeOffset now);
}

/// <summary>
/// A rule that fired for a product. <paramref name="Window"/> identifies the occasion from event data only (e.g. the
/// hour the threshold was crossed), so that a replay produces the same push id. <paramref name="Values"/> fill the
/// templates.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RuleTrigger(
    [property: Id(0)] string RuleId,
    [property: Id(1)] string ProductId,
    [property: Id(2)] string? City,
    [property: Id(3)] string Window,
    [property: Id(4)] IReadOnlyDictionary<string, string> Values);

/// <param name="Trigger">Fired now; null: not (yet).</param>
/// <param name="CheckAgainAt">When the answer may change without new activity (null: only new activity changes it).</param>
public sealed record UserCheck(RuleTrigger? Trigger, DateTimeOffset? CheckAgainAt)
{
    public static readonly UserCheck Never = new(null, null);
}

/// <summary>A configured rule with the kind's defaults filled in.</summary>
public sealed record PushRule(
    string Id, IPushRuleKind Kind, int Threshold, TimeSpan Window, TimeSpan Delay, TimeSpan ReEligibility, string Title, string Body)
{
    public static PushRule From(PushRuleOptions rule, IPushRuleKind kind, TimeSpan defaultReEligibility) =>
        new(rule.Id, kind, rule.Threshold ?? kind.DefaultThreshold ?? 0, rule.Window ?? kind.DefaultWindow, rule.Delay ?? kind.DefaultDelay,
            rule.ReEligibility ?? defaultReEligibility, rule.Title, rule.Body);
}
