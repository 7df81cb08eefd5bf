using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.Events;

namespace Streaming.Gateway.Metrics;

/// <summary>
/// Bookings per product per minute from ClickHouse, latest revision of each row (argMax), so that
/// corrections replace earlier results even before ClickHouse merges them.
/// </summary>
public static class BookingsEndpoint
{
    public static async Task<IResult> HandleAsync(
        [FromQuery] string? from, [FromQuery] string? to, [FromQuery(Name = "product_id")] string? productId,
        BookingsQueryValidator validator, ClickHouseClient clickHouse, IOptions<GatewayOptions> options, CancellationToken cancellationToken)
    {
        var query = new BookingsQuery(from, to, productId);
        var validation = await validator.ValidateAsync(query, cancellationToken);
        if (!validation.IsValid)
        {
            return Results.ValidationProblem(validation.ToDictionary());
        }

        var (start, end) = (EventTime.Parse(from!), EventTime.Parse(to!));
        var productFilter = string.IsNullOrEmpty(productId) ? "" : " AND product_id = " + Sql.String(productId);
        var sql = $"""
            SELECT toUInt32(window_start) AS minute, product_id, currency,
                   argMax(bookings, revision) AS latest_bookings, argMax(revenue_minor, revision) AS latest_revenue_minor,
                   max(revision) AS latest_revision
            FROM {Sql.Identifier(FleetSchema.BookingsPerMinute)}
            WHERE window_start >= {Sql.DateTime(start)} AND window_start < {Sql.DateTime(end)}{productFilter}
            GROUP BY window_start, product_id, currency
            ORDER BY minute, product_id, currency
            LIMIT {Sql.Integer(options.Value.MaxRows)}
            """;
        var rows = await clickHouse.QueryAsync(sql, GatewayJsonContext.Default.BookingsRow, cancellationToken);
        var items = rows.Select(r => new BookingsItem(
            DateTimeOffset.FromUnixTimeSeconds(r.Minute), r.ProductId, r.Currency, r.LatestBookings, r.LatestRevenueMinor, r.LatestRevision)).ToList();
        return Results.Json(new BookingsResponse(start, end, items), GatewayJsonContext.Default.BookingsResponse);
    }

    /// <summary>All products summed per minute, for dashboards and "bookings right now" widgets.</summary>
    public static async Task<IResult> PerMinuteAsync(
        [FromQuery] string? from, [FromQuery] string? to,
        BookingsQueryValidator validator, ClickHouseClient clickHouse, CancellationToken cancellationToken)
    {
        var validation = await validator.ValidateAsync(new BookingsQuery(from, to, null), cancellationToken);
        if (!validation.IsValid)
        {
            return Results.ValidationProblem(validation.ToDictionary());
        }

        var (start, end) = (EventTime.Parse(from!), EventTime.Parse(to!));
        var sql = $"""
            SELECT minute, sum(latest_bookings) AS total_bookings, count() AS products
            FROM
            (
                SELECT toUInt32(window_start) AS minute, product_id, currency, argMax(bookings, revision) AS latest_bookings
                FROM {Sql.Identifier(FleetSchema.BookingsPerMinute)}
                WHERE window_start >= {Sql.DateTime(start)} AND window_start < {Sql.DateTime(end)}
                GROUP BY window_start, product_id, currency
            )
            GROUP BY minute
            ORDER BY minute
            """;
        var rows = await clickHouse.QueryAsync(sql, GatewayJsonContext.Default.BookingsMinuteRow, cancellationToken);
        var minutes = rows.Select(r => new BookingsMinuteItem(DateTimeOffset.FromUnixTimeSeconds(r.Minute), r.TotalBookings, r.Products)).ToList();
        return Results.Json(new BookingsPerMinuteResponse(start, end, minutes), GatewayJsonContext.Default.BookingsPerMinuteResponse);
    }
}
