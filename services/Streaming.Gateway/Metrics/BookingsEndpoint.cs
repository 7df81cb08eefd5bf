using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.Events;
using Streaming.Metrics;
using Streaming.Metrics.Bookings;

namespace Streaming.Gateway.Metrics;

/// <summary>
/// Bookings per minute from ClickHouse's bookings_per_minute view, per product, category or city and currency. The view
/// already takes the latest version of each partial and sums the source partitions, before ClickHouse merges anything.
/// </summary>
public static class BookingsEndpoint
{
    public static async Task<IResult> HandleAsync(
        [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? dimension, [FromQuery] string? value,
        [FromQuery(Name = "product_id")] string? productId,
        BookingsQueryValidator validator, ClickHouseClient clickHouse, IOptions<GatewayOptions> options, CancellationToken cancellationToken)
    {
        var query = new BookingsQuery(from, to, dimension, value, productId);
        var validation = await validator.ValidateAsync(query, cancellationToken);
        if (!validation.IsValid)
        {
            return MetricsResults.Invalid(validation);
        }

        var maxRows = options.Value.MaxRows;
        var rows = await clickHouse.QueryAsync(BuildSql(query, maxRows), GatewayJsonContext.Default.BookingsRow, cancellationToken);
        var (kept, truncated) = MetricsResults.Cap(rows, maxRows);
        var items = kept.Select(r =>
        {
            var minute = MetricsResults.Minute(r.MinuteUnix);
            return new BookingsItem(
                minute, r.Dimension, r.DimensionValue, r.Currency, r.Bookings, r.Cancellations, r.RevenueMinor, r.CancelledRevenueMinor,
                r.Provisional != 0, minute, r.Dimension == ResultDimensions.Product ? r.DimensionValue : null);
        }).ToList();
        var (start, end) = TimeRangeValidator.Parse(query);
        return Results.Json(new BookingsResponse(start, end, query.DimensionOrDefault, items, truncated), GatewayJsonContext.Default.BookingsResponse);
    }

    /// <summary>The SELECT for a query that passed validation.</summary>
    public static string BuildSql(BookingsQuery query, int maxRows)
    {
        var (start, end) = TimeRangeValidator.Parse(query);
        var value = query.ValueOrProductId;
        var valueFilter = value is null ? "" : " AND dimension_value = " + Sql.String(value);
        return $"""
            SELECT toUInt32(minute) AS minute_unix, dimension, dimension_value, currency,
                   bookings, cancellations, revenue_minor, cancelled_revenue_minor, provisional
            FROM {Sql.Identifier(BookingsTable.PerMinute)}
            WHERE dimension = {Sql.String(query.DimensionOrDefault)}
              AND minute >= {Sql.DateTime(start)} AND minute < {Sql.DateTime(end)}{valueFilter}
            ORDER BY minute_unix, dimension_value, currency
            LIMIT {Sql.Integer(MetricsResults.LimitFor(maxRows))}
            """;
    }

    /// <summary>All products summed per minute, for dashboards and "bookings right now" widgets.</summary>
    public static async Task<IResult> PerMinuteAsync(
        [FromQuery] string? from, [FromQuery] string? to,
        BookingsQueryValidator validator, ClickHouseClient clickHouse, CancellationToken cancellationToken)
    {
        var query = new BookingsQuery(from, to);
        var validation = await validator.ValidateAsync(query, cancellationToken);
        if (!validation.IsValid)
        {
            return MetricsResults.Invalid(validation);
        }

        var (start, end) = TimeRangeValidator.Parse(query);
        var rows = await clickHouse.QueryAsync(BuildPerMinuteSql(query), GatewayJsonContext.Default.BookingsMinuteRow, cancellationToken);
        var minutes = rows.Select(r => new BookingsMinuteItem(MetricsResults.Minute(r.MinuteUnix), r.TotalBookings, r.Products)).ToList();
        return Results.Json(new BookingsPerMinuteResponse(start, end, minutes), GatewayJsonContext.Default.BookingsPerMinuteResponse);
    }

    /// <summary>
    /// The per-minute SELECT for a query that passed validation. The view has a row per product and currency, so
    /// "products" counts distinct product ids: a product booked in two currencies is one product.
    /// </summary>
    public static string BuildPerMinuteSql(BookingsQuery query)
    {
        var (start, end) = TimeRangeValidator.Parse(query);
        return $"""
            SELECT toUInt32(minute) AS minute_unix, sum(bookings) AS total_bookings, uniqExact(dimension_value) AS products
            FROM {Sql.Identifier(BookingsTable.PerMinute)}
            WHERE dimension = {Sql.String(ResultDimensions.Product)}
              AND minute >= {Sql.DateTime(start)} AND minute < {Sql.DateTime(end)}
            GROUP BY minute
            ORDER BY minute_unix
            """;
    }
}
