using Streaming.Gateway.Metrics;

namespace Streaming.Gateway.Tests;

/// <summary>Input reaches SQL only as escaped literals; the checks against a real ClickHouse (18.16 and 26.7) are in tests/Streaming.ClickHouse.Tests/GatewayQueriesTests.cs.</summary>
public sealed class MetricsSqlTests
{
    private const string From = "2026-01-01T00:00:00Z";
    private const string To = "2026-01-01T01:00:00Z";

    [Fact]
    public void A_quote_in_a_value_stays_inside_the_string_literal()
    {
        var sql = BookingsEndpoint.BuildSql(new BookingsQuery(From, To, "city", @"x' OR 1=1 --\"), 10);
        Assert.Contains(@"dimension_value = 'x\' OR 1=1 --\\'", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Ranges_become_unix_second_literals_and_the_limit_is_one_past_max_rows()
    {
        var sql = ConcurrentUsersEndpoint.BuildSql(new ConcurrentUsersQuery(From, To, null, null), 10);
        Assert.Contains("dimension = 'all'", sql, StringComparison.Ordinal);
        Assert.Contains("minute >= toDateTime(1767225600) AND minute < toDateTime(1767229200)", sql, StringComparison.Ordinal);
        Assert.Contains("LIMIT 11", sql, StringComparison.Ordinal);
        Assert.DoesNotContain("dimension_value =", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Product_id_filters_the_product_dimension()
    {
        var sql = BookingsEndpoint.BuildSql(new BookingsQuery(From, To, ProductId: "tour-1"), 10);
        Assert.Contains("dimension = 'product'", sql, StringComparison.Ordinal);
        Assert.Contains("dimension_value = 'tour-1'", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Bookings_per_minute_counts_distinct_products_not_product_and_currency_pairs()
    {
        var sql = BookingsEndpoint.BuildPerMinuteSql(new BookingsQuery(From, To));
        Assert.Contains("uniqExact(dimension_value) AS products", sql, StringComparison.Ordinal);
        Assert.Contains("dimension = 'product'", sql, StringComparison.Ordinal);
        Assert.Contains("GROUP BY minute", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Top_per_minute_limits_by_minute_then_caps_the_rows()
    {
        var sql = PopularityTopEndpoint.BuildPerMinuteSql(new PopularityTopQuery(From, To, "5", "true"), 5, 100);
        Assert.Contains("LIMIT 5 BY minute_unix", sql, StringComparison.Ordinal);
        Assert.Contains("LIMIT 101", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Capping_keeps_max_rows_and_says_so()
    {
        var (rows, truncated) = MetricsResults.Cap([1, 2, 3, 4], 3);
        Assert.Equal([1, 2, 3], rows);
        Assert.True(truncated);
        Assert.False(MetricsResults.Cap([1, 2, 3], 3).Truncated);
    }
}
