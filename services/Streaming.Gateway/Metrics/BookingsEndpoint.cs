using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.Events;

namespace Streaming.Gateway.Metrics;

/// <summary>
/// Bookings per product per minute from ClickHouse's bookings_per_minute view (dimension 'product'), which already
/// takes the latest version of each partial and sums the source partitions, before ClickHouse merges anything.
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
        var productFilter = string.IsNullOrEmpty(productId) ? "" : " AND dimension_value = " + Sql.String(productId);
        var sql = $"""
            SELECT toUInt32(minute) AS minute_unix, dimension_value AS product_id, currency, bookings, revenue_minor, provisional
            FROM {Sql.Identifier(FleetSchema.BookingsPerMinute)}
            WHERE dimension = {Sql.String(ResultDimensions.Product)}
              AND minute >= {Sql.DateTime(start)} AND minute < {Sql.DateTime(end)}{productFilter}
            ORDER BY minute_unix, product_id, currency
            LIMIT {Sql.Integer(options.Value.MaxRows)}
            """;
        var rows = await clickHouse.QueryAsync(sql, GatewayJsonContext.Default.BookingsRow, cancellationToken);
        var items = rows.Select(r => new BookingsItem(
            DateTimeOffset.FromUnixTimeSeconds(r.MinuteUnix), r.ProductId, r.Currency, r.Bookings, r.RevenueMinor, r.Provisional != 0)).ToList();
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
            SELECT toUInt32(minute) AS minute_unix, sum(bookings) AS total_bookings, count() AS products
            FROM {Sql.Identifier(FleetSchema.BookingsPerMinute)}
            WHERE dimension = {Sql.String(ResultDimensions.Product)}
              AND minute >= {Sql.DateTime(start)} AND minute < {Sql.DateTime(end)}
            GROUP BY minute
            ORDER BY minute_unix
            """;
        var rows = await clickHouse.QueryAsync(sql, GatewayJsonContext.Default.BookingsMinuteRow, cancellationToken);
        var minutes = rows.Select(r => new BookingsMinuteItem(DateTimeOffset.FromUnixTimeSeconds(r.MinuteUnix), r.TotalBookings, r.Products)).ToList();
        return Results.Json(new BookingsPerMinuteResponse(start, end, minutes), GatewayJsonContext.Default.BookingsPerMinuteResponse);
    }
}
