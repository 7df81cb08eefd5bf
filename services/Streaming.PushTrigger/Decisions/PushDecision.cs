using Streaming.Push.Contracts;

namespace Streaming.PushTrigger.Decisions;

/// <summary>
/// One decision about one push, as <c>push_decisions</c> stores it and support staff read it.
/// <paramref name="Reason"/> says why (which cap, which window); <paramref name="SendAt"/> is when it goes out
/// (after quiet hours for a held one). Title, body, collapse key and TTL are what the push command carries.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PushDecision(
    [property: Id(0)] string PushId,
    [property: Id(1)] string UserId,
    [property: Id(2)] string ProductId,
    [property: Id(3)] string Rule,
    [property: Id(4)] string RuleKind,
    [property: Id(5)] string Outcome,
    [property: Id(6)] string Reason,
    [property: Id(7)] DateTimeOffset DecidedAt,
    [property: Id(8)] DateTimeOffset SendAt,
    [property: Id(9)] string Title,
    [property: Id(10)] string Body,
    [property: Id(11)] string CollapseKey,
    [property: Id(12)] int TtlSeconds)
{
    /// <summary>True when the push goes to push-commands (now or at <see cref="SendAt"/>).</summary>
    public bool ToSend => Outcome is PushOutcomes.Sent or PushOutcomes.Held;

    public PushCommand ToCommand() => new(PushId, UserId, ProductId, Rule, RuleKind, Title, Body, CollapseKey, TtlSeconds, DecidedAt, SendAt);

    public PushDecisionRecord ToRecord() => new(PushId, UserId, ProductId, Rule, RuleKind, Outcome, Reason, DecidedAt, SendAt);
}
