using Streaming.ClickHouse;
using Streaming.Kafka;
using Streaming.Push.Contracts;

namespace Streaming.Metrics.Pushes;

/// <summary>
/// Every push decision with its reason, in <c>push_decisions</c> (from push-decisions: the trigger's sent, held,
/// suppressed and expired; the delivery worker's sent for a held push, expired and failed), and
/// <c>push_decisions_per_rule_hour</c> for BI: distinct pushes per rule, outcome and hour of decision.
/// </summary>
public static class PushDecisionsTable
{
    public const string Table = "push_decisions";
    public const string PerRuleHour = "push_decisions_per_rule_hour";

    public static readonly RowBinaryLayout<PushDecisionRecord> Rows = new(
        ["push_id", "user_id", "product_id", "rule", "rule_kind", "outcome", "reason", "decided_at", "send_at"],
        static (w, d) =>
        {
            w.String(d.PushId);
            w.String(d.UserId);
            w.String(d.ProductId);
            w.String(d.Rule);
            w.String(d.RuleKind);
            w.String(d.Outcome);
            w.String(d.Reason);
            w.DateTime(d.DecidedAt);
            w.DateTime(d.SendAt);
        });

    public static readonly SinkTable<PushDecisionRecord> Sink = new(
        "push-decisions", Topics.PushDecisions, Table, PushJsonContext.Default.PushDecisionRecord, Rows, Problem);

    public static readonly IReadOnlyList<string> Views = [PerRuleHour];

    // One row per push and outcome: a held push has "held" then "sent"; a decision published again after a crash has
    // the same push id and outcome and collapses on merge (readers use FINAL or count distinct push ids).
    public static readonly IReadOnlyList<string> Schema =
    [
        """
        CREATE TABLE IF NOT EXISTS push_decisions
        (
            push_id String,
            user_id String,
            product_id String,
            rule String,
            rule_kind String,
            outcome String,
            reason String,
            decided_at DateTime,
            send_at DateTime,
            inserted_at DateTime DEFAULT now()
        )
        ENGINE = ReplacingMergeTree
        PARTITION BY toYYYYMM(decided_at)
        ORDER BY (user_id, push_id, outcome)
        """,
        """
        CREATE VIEW IF NOT EXISTS push_decisions_per_rule_hour AS
        SELECT toStartOfHour(decided_at) AS hour, rule, rule_kind, outcome, uniqExact(push_id) AS pushes
        FROM push_decisions
        GROUP BY hour, rule, rule_kind, outcome
        """,
    ];

    private static string? Problem(PushDecisionRecord d) =>
        string.IsNullOrEmpty(d.PushId) ? "push_id is missing"
        : string.IsNullOrEmpty(d.UserId) ? "user_id is missing"
        : !PushOutcomes.All.Contains(d.Outcome) ? $"outcome '{d.Outcome}' is not one of {string.Join(", ", PushOutcomes.All)}"
        : RecordChecks.InDateTimeRange("decided_at", d.DecidedAt) ?? RecordChecks.InDateTimeRange("send_at", d.SendAt);
}
