using FluentValidation;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.Gateway.Metrics;
using Streaming.Metrics.Ledger;

namespace Streaming.Gateway.Ledger;

/// <summary>Query parameters of the ledger endpoints, as received.</summary>
public sealed record LedgerQuery(string? From, string? To) : ITimeRangeQuery;

public sealed class LedgerQueryValidator : AbstractValidator<LedgerQuery>
{
    public LedgerQueryValidator(IOptions<LedgerApiOptions> options) => Include(new TimeRangeValidator(options.Value.MaxRange));
}

/// <summary>
/// The gap ledger for operators: <c>GET /v1/ledger</c> lists one row per minute and metric of a range (a minute the
/// reconciler has not checked yet is <c>pending</c>, with no <c>checked_at</c>), and <c>POST /v1/ledger/recheck</c>
/// marks a range pending, so that the reconciler's next pass checks (and if need be repairs) it again.
/// </summary>
public static class LedgerEndpoints
{
    public static async Task<IResult> GetAsync(
        [FromQuery] string? from, [FromQuery] string? to, LedgerQueryValidator validator, ClickHouseClient clickHouse, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var query = new LedgerQuery(from, to);
        var validation = await validator.ValidateAsync(query, cancellationToken);
        if (!validation.IsValid)
        {
            return MetricsResults.Invalid(validation);
        }

        var (start, end) = TimeRangeValidator.Parse(query);
        var stored = (await clickHouse.QueryAsync(BuildSql(start, end), LedgerApiJsonContext.Default.LedgerStoredRow, cancellationToken))
            .ToDictionary(r => (r.MinuteUnix, r.Metric));
        var rows = new List<LedgerItem>();
        // Minutes that have begun: every one has a row for every metric, pending until the reconciler checked it.
        var last = Math.Min(end.ToUnixTimeSeconds(), clock.GetUtcNow().ToUnixTimeSeconds());
        for (var minute = FirstMinute(start); minute < last; minute += 60)
        {
            foreach (var metric in LedgerMetrics.All)
            {
                rows.Add(stored.TryGetValue((minute, metric.Name), out var r)
                    ? new LedgerItem(
                        MetricsResults.Minute(minute), r.Metric, r.LastStatus, r.CheckedUnix == 0 ? null : MetricsResults.Minute(r.CheckedUnix),
                        r.LastDifferences, r.LastDifferenceCount,
                        r.LastStatus == LedgerTable.Pending ? null : r.LastStreamValue, r.LastStatus == LedgerTable.Pending ? null : r.LastRecomputedValue)
                    : new LedgerItem(MetricsResults.Minute(minute), metric.Name, LedgerTable.Pending, null, [], 0, null, null));
            }
        }

        return Results.Json(new LedgerResponse(start, end, rows), LedgerApiJsonContext.Default.LedgerResponse);
    }

    public static async Task<IResult> RecheckAsync(
        [FromQuery] string? from, [FromQuery] string? to, LedgerQueryValidator validator, ClickHouseClient clickHouse, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var query = new LedgerQuery(from, to);
        var validation = await validator.ValidateAsync(query, cancellationToken);
        if (!validation.IsValid)
        {
            return MetricsResults.Invalid(validation);
        }

        var (start, end) = TimeRangeValidator.Parse(query);
        await clickHouse.ExecuteAsync(LedgerTable.RecheckSql(start, end, clock.GetUtcNow()), cancellationToken);
        var minutes = (int)((end.ToUnixTimeSeconds() - FirstMinute(start) + 59) / 60);
        return Results.Json(
            new RecheckResponse(start, end, minutes, [.. LedgerMetrics.All.Select(m => m.Name)]), LedgerApiJsonContext.Default.RecheckResponse,
            statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>The latest row of every (minute, metric) in [start, end).</summary>
    public static string BuildSql(DateTimeOffset start, DateTimeOffset end) => $"""
        SELECT toUInt32(minute) AS minute_unix, metric,
               argMax(status, version) AS last_status,
               toUInt32(argMax(checked_at, version)) AS checked_unix,
               argMax(stream_value, version) AS last_stream_value,
               argMax(recomputed_value, version) AS last_recomputed_value,
               argMax(differences, version) AS last_differences,
               argMax(difference_count, version) AS last_difference_count
        FROM {Sql.Identifier(LedgerTable.Table)}
        WHERE minute >= {Sql.DateTime(start)} AND minute < {Sql.DateTime(end)}
        GROUP BY minute, metric
        """;

    private static long FirstMinute(DateTimeOffset start) => (start.ToUnixTimeSeconds() + 59) / 60 * 60;
}
