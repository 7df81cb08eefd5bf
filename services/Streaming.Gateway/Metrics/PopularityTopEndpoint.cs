using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.Metrics.Popularity;

namespace Streaming.Gateway.Metrics;

/// <summary>
/// The most popular products by weighted score from the popularity_per_minute view: summed over the whole range, or
/// the top N of every minute (ClickHouse's LIMIT n BY, which 18.16 has).
/// </summary>
public static class PopularityTopEndpoint
{
    public static async Task<IResult> HandleAsync(
        [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? n, [FromQuery(Name = "per_minute")] string? perMinute,
        PopularityTopQueryValidator validator, ClickHouseClient clickHouse, IOptions<GatewayOptions> options, CancellationToken cancellationToken)
    {
        var query = new PopularityTopQuery(from, to, n, perMinute);
        var validation = await validator.ValidateAsync(query, cancellationToken);
        if (!validation.IsValid)
        {
            return MetricsResults.Invalid(validation);
        }

        var top = query.NOrDefault(options.Value.DefaultTopN);
        var maxRows = options.Value.MaxRows;
        var (start, end) = TimeRangeValidator.Parse(query);
        List<PopularityItem> items;
        var truncated = false;
        if (query.IsPerMinute)
        {
            var rows = await clickHouse.QueryAsync(BuildPerMinuteSql(query, top, maxRows), GatewayJsonContext.Default.PopularityMinuteRow, cancellationToken);
            (rows, truncated) = MetricsResults.Cap(rows, maxRows);
            items = new List<PopularityItem>(rows.Count);
            var rank = 0;
            for (var i = 0; i < rows.Count; i++)
            {
                rank = i > 0 && rows[i].MinuteUnix == rows[i - 1].MinuteUnix ? rank + 1 : 1;
                var r = rows[i];
                items.Add(new PopularityItem(
                    MetricsResults.Minute(r.MinuteUnix), rank, r.ProductId, r.Views, r.Wishlists, r.Bookings, r.Score, r.Provisional != 0));
            }
        }
        else
        {
            // n is at most MaxTopN, so this answer needs no cap.
            var rows = await clickHouse.QueryAsync(BuildTotalSql(query, top), GatewayJsonContext.Default.PopularityTotalRow, cancellationToken);
            items = rows.Select((r, i) => new PopularityItem(
                null, i + 1, r.ProductId, r.TotalViews, r.TotalWishlists, r.TotalBookings, r.TotalScore, r.AnyProvisional != 0)).ToList();
        }

        return Results.Json(
            new PopularityTopResponse(start, end, top, query.IsPerMinute, items, truncated), GatewayJsonContext.Default.PopularityTopResponse);
    }

    /// <summary>Top <paramref name="n"/> over the range; ties go to the smaller product id so that pages are stable.</summary>
    public static string BuildTotalSql(PopularityTopQuery query, int n)
    {
        var (start, end) = TimeRangeValidator.Parse(query);
        return $"""
            SELECT product_id,
                   sum(views) AS total_views, sum(wishlists) AS total_wishlists, sum(bookings) AS total_bookings,
                   sum(score) AS total_score, max(provisional) AS any_provisional
            FROM {Sql.Identifier(PopularityTable.PerMinute)}
            WHERE minute >= {Sql.DateTime(start)} AND minute < {Sql.DateTime(end)}
            GROUP BY product_id
            ORDER BY total_score DESC, product_id
            LIMIT {Sql.Integer(n)}
            """;
    }

    /// <summary>Top <paramref name="n"/> of each minute, at most MaxRows rows in all.</summary>
    public static string BuildPerMinuteSql(PopularityTopQuery query, int n, int maxRows)
    {
        var (start, end) = TimeRangeValidator.Parse(query);
        return $"""
            SELECT toUInt32(minute) AS minute_unix, product_id, views, wishlists, bookings, score, provisional
            FROM {Sql.Identifier(PopularityTable.PerMinute)}
            WHERE minute >= {Sql.DateTime(start)} AND minute < {Sql.DateTime(end)}
            ORDER BY minute_unix, score DESC, product_id
            LIMIT {Sql.Integer(n)} BY minute_unix
            LIMIT {Sql.Integer(MetricsResults.LimitFor(maxRows))}
            """;
    }
}
