namespace Streaming.PushTrigger.Rules;

/// <summary>
/// The push rules and the per-user caps and timing; section "PushTrigger". Checked at start by
/// <see cref="PushTriggerOptionsValidator"/>: a bad value stops the service with a message naming its key.
/// </summary>
public sealed class PushTriggerOptions
{
    public const string Section = "PushTrigger";

    public List<PushRuleOptions> Rules { get; set; } = [];

    /// <summary>At most this many pushes per user per local calendar day (the user's own time zone).</summary>
    public int MaxPerLocalDay { get; set; } = 3;

    /// <summary>At most one push about the same product within this span.</summary>
    public TimeSpan ProductCooldown { get; set; } = TimeSpan.FromHours(24);

    /// <summary>At least this much time between two pushes to a user.</summary>
    public TimeSpan MinGap { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A rule pushes a user again only this long after its last push to them (a rule may set its own).</summary>
    public TimeSpan ReEligibility { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Local time of day when quiet hours start (pushes decided from then on are held).</summary>
    public TimeSpan QuietHoursStart { get; set; } = TimeSpan.FromHours(21);

    /// <summary>Local time of day when quiet hours end (held pushes are sent then).</summary>
    public TimeSpan QuietHoursEnd { get; set; } = TimeSpan.FromHours(8);

    /// <summary>A push not sent within this long after its decision expires.</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromHours(12);

    /// <summary>User activity older than this is forgotten.</summary>
    public TimeSpan ActivityWindow { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Products remembered per user (the least recently active are forgotten first).</summary>
    public int MaxItemsPerUser { get; set; } = 300;

    /// <summary>Users remembered per product (its wishlisters) and per city (its recent visitors), the most recent kept.</summary>
    public int MaxAudience { get; set; } = 10_000;
}

/// <summary>One rule, e.g. <c>PushTrigger:Rules:0</c>. Which fields apply depends on <see cref="Kind"/>.</summary>
public sealed class PushRuleOptions
{
    /// <summary>Names the rule in push ids, decisions and reports: 1..64 of a-z, 0-9, '_', '-'.</summary>
    public string Id { get; set; } = "";

    /// <summary>One of <see cref="RuleKinds"/>' names, e.g. <c>wishlist_selling_fast</c>.</summary>
    public string Kind { get; set; } = "";

    public bool Enabled { get; set; } = true;

    /// <summary>The kind's count (bookings in the last hour, views in the window); null: the kind's default.</summary>
    public int? Threshold { get; set; }

    /// <summary>The kind's look-back window (e.g. views within 24 h); null: the kind's default.</summary>
    public TimeSpan? Window { get; set; }

    /// <summary>The kind's delay (e.g. 30 minutes after the last view); null: the kind's default.</summary>
    public TimeSpan? Delay { get; set; }

    /// <summary>Null: <see cref="PushTriggerOptions.ReEligibility"/>.</summary>
    public TimeSpan? ReEligibility { get; set; }

    /// <summary>Template with placeholders in braces, e.g. "{product_id} is selling fast" (the kind lists the placeholders).</summary>
    public string Title { get; set; } = "";

    public string Body { get; set; } = "";
}
