namespace Streaming.Push.Contracts;

/// <summary>
/// One push to deliver, on <c>push-commands</c> (key = user id). <paramref name="SendAt"/> is after
/// <paramref name="DecidedAt"/> when quiet hours hold it; the delivery worker sends it then, with
/// <c>Idempotency-Key: {PushId}</c>, and it expires <paramref name="TtlSeconds"/> after <paramref name="SendAt"/>.
/// <paramref name="Title"/> and <paramref name="Body"/> are plain text, never markup: the trigger fills a template's
/// placeholders only with event values that pass the id and name rules, hold no markup and are at most 64 characters
/// (docs/security.md, "Push content").
/// </summary>
public sealed record PushCommand(
    string PushId,
    string UserId,
    string ProductId,
    string Rule,
    string RuleKind,
    string Title,
    string Body,
    string CollapseKey,
    int TtlSeconds,
    DateTimeOffset DecidedAt,
    DateTimeOffset SendAt);

/// <summary>
/// One row of <c>push_decisions</c>, on <c>push-decisions</c> (key = user id): what was decided about a push and why.
/// The trigger writes sent, held, suppressed and expired; the delivery worker writes sent (for a held push, when it
/// goes out), expired and failed.
/// </summary>
public sealed record PushDecisionRecord(
    string PushId,
    string UserId,
    string ProductId,
    string Rule,
    string RuleKind,
    string Outcome,
    string Reason,
    DateTimeOffset DecidedAt,
    DateTimeOffset SendAt);

/// <summary>The outcomes of a decision (exactly one per row).</summary>
public static class PushOutcomes
{
    public const string Sent = "sent";
    public const string Held = "held";
    public const string Suppressed = "suppressed";
    public const string Expired = "expired";
    public const string Failed = "failed";

    public static readonly IReadOnlyList<string> All = [Sent, Held, Suppressed, Expired, Failed];
}
