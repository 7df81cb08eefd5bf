using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.Metrics.ConcurrentUsers;

namespace Streaming.Gateway.Metrics;

/// <summary>
/// Distinct active users per minute from the concurrent_users_per_minute view: the whole app (dimension all, which
/// has explicit zeros for quiet minutes), or per platform or country.
/// </summary>
public static class ConcurrentUsersEndpoint
{
    public static async Task<IResult> HandleAsync(
        [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? dimension, [FromQuery] string? value,
        ConcurrentUsersQueryValidator validator, ClickHouseClient clickHouse, IOptions<GatewayOptions> options, CancellationToken cancellationToken)
    {
        var query = new ConcurrentUsersQuery(from, to, dimension, value);
        var validation = await validator.ValidateAsync(query, cancellationToken);
        if (!validation.IsValid)
        {
            return MetricsResults.Invalid(validation);
        }

        var maxRows = options.Value.MaxRows;
        var rows = await clickHouse.QueryAsync(BuildSql(query, maxRows), GatewayJsonContext.Default.ConcurrentUsersRow, cancellationToken);
        var (kept, truncated) = MetricsResults.Cap(rows, maxRows);
        var items = kept.Select(r => new ConcurrentUsersItem(
            MetricsResults.Minute(r.MinuteUnix), r.Dimension, r.DimensionValue, r.Users, r.Provisional != 0)).ToList();
        var (start, end) = TimeRangeValidator.Parse(query);
        return Results.Json(
            new ConcurrentUsersResponse(start, end, query.DimensionOrDefault, items, truncated), GatewayJsonContext.Default.ConcurrentUsersResponse);
    }

    /// <summary>The SELECT for a query that passed validation.</summary>
    public static string BuildSql(ConcurrentUsersQuery query, int maxRows)
    {
        var (start, end) = TimeRangeValidator.Parse(query);
        var valueFilter = string.IsNullOrEmpty(query.Value) ? "" : " AND dimension_value = " + Sql.String(query.Value);
        return $"""
            SELECT toUInt32(minute) AS minute_unix, dimension, dimension_value, users, provisional
            FROM {Sql.Identifier(ConcurrentUsersTable.PerMinute)}
            WHERE dimension = {Sql.String(query.DimensionOrDefault)}
              AND minute >= {Sql.DateTime(start)} AND minute < {Sql.DateTime(end)}{valueFilter}
            ORDER BY minute_unix, dimension_value
            LIMIT {Sql.Integer(MetricsResults.LimitFor(maxRows))}
            """;
    }
}
