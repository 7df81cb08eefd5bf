using FluentValidation;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.Gateway.Metrics;
using Streaming.Metrics.Pushes;
using Streaming.Push.Contracts;

namespace Streaming.Gateway.Pushes;

/// <summary>Query parameters of the per-rule counts, as received.</summary>
public sealed record PushesPerRuleQuery(string? From, string? To) : ITimeRangeQuery;

public sealed class PushesPerRuleQueryValidator : AbstractValidator<PushesPerRuleQuery>
{
    public PushesPerRuleQueryValidator(IOptions<GatewayOptions> options) => Include(new TimeRangeValidator(options.Value.MaxRange));
}

/// <summary>One rule's decisions in a range, per outcome (distinct pushes; hours that begin in the range).</summary>
public sealed record RulePushes(string Rule, string RuleKind, long Sent, long Held, long Suppressed, long Expired, long Failed);

public sealed record PushesPerRuleResponse(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<RulePushes> Rules);

/// <summary>A row of the per-rule view as ClickHouse returns it.</summary>
public sealed record RuleOutcomeRow(string Rule, string RuleKind, string Outcome, long PushCount);

/// <summary>
/// GET /v1/pushes/per-rule: how many pushes each rule sent, held, suppressed, expired or failed in a range (from the
/// hourly view, so whole hours: those starting in [from, to)). Counts only, no user: public like the metrics.
/// </summary>
public static class PushesPerRuleEndpoint
{
    public static async Task<IResult> HandleAsync(
        [FromQuery] string? from, [FromQuery] string? to, PushesPerRuleQueryValidator validator, ClickHouseClient clickHouse,
        CancellationToken cancellationToken)
    {
        var query = new PushesPerRuleQuery(from, to);
        var validation = await validator.ValidateAsync(query, cancellationToken);
        if (!validation.IsValid)
        {
            return MetricsResults.Invalid(validation);
        }

        var (start, end) = TimeRangeValidator.Parse(query);
        var rows = await clickHouse.QueryAsync(BuildSql(start, end), PushesJsonContext.Default.RuleOutcomeRow, cancellationToken);
        var rules = rows.GroupBy(r => (r.Rule, r.RuleKind)).Select(g =>
        {
            long Count(string outcome) => g.Where(r => r.Outcome == outcome).Sum(r => r.PushCount);
            return new RulePushes(g.Key.Rule, g.Key.RuleKind, Count(PushOutcomes.Sent), Count(PushOutcomes.Held), Count(PushOutcomes.Suppressed),
                Count(PushOutcomes.Expired), Count(PushOutcomes.Failed));
        }).OrderBy(r => r.Rule, StringComparer.Ordinal).ToList();
        return Results.Json(new PushesPerRuleResponse(start, end, rules), PushesJsonContext.Default.PushesPerRuleResponse);
    }

    public static string BuildSql(DateTimeOffset start, DateTimeOffset end) => $"""
        SELECT rule, rule_kind, outcome, toUInt32(sum(pushes)) AS push_count
        FROM {Sql.Identifier(PushDecisionsTable.PerRuleHour)}
        WHERE hour >= {Sql.DateTime(start)} AND hour < {Sql.DateTime(end)}
        GROUP BY rule, rule_kind, outcome
        """;
}
