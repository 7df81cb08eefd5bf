using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Streaming.ClickHouse;
using Streaming.Events;
using Streaming.Metrics.Bookings;
using Streaming.Metrics.ConcurrentUsers;
using Streaming.Metrics.Popularity;

namespace Streaming.IntegrationTests;

/// <summary>
/// The gateway's metric series against the real fleet: known partials written straight into the ClickHouse tables,
/// then read through the gateway. Each test owns an hour of 2026-01-01, far from the minutes live tests produce.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class MetricsEndpointsTests(FleetFixture fixture)
{
    private static readonly DateTimeOffset UsersHour = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset BookingsHour = new(2026, 1, 1, 1, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset PopularityHour = new(2026, 1, 1, 2, 0, 0, TimeSpan.Zero);
    private const string Range = "from=2026-11-21T10:00:00Z&to=2026-11-21T11:00:00Z";

    public static TheoryData<string, string> BadQueries() => new()
    {
        { "/v1/metrics/concurrent-users?to=2026-11-21T11:00:00Z", "from" },
        { "/v1/metrics/concurrent-users?from=2026-11-21T10:00:00&to=2026-11-21T11:00:00Z", "from" },
        { "/v1/metrics/concurrent-users?from=2026-11-21T11:00:00Z&to=2026-11-21T10:00:00Z", "to" },
        { "/v1/metrics/concurrent-users?from=2026-11-01T00:00:00Z&to=2026-11-21T00:00:00Z", "to" },
        { "/v1/metrics/concurrent-users?" + Range + "&dimension=device", "dimension" },
        { "/v1/metrics/concurrent-users?" + Range + "&value=ios", "value" },
        { "/v1/metrics/concurrent-users?" + Range + "&dimension=country&value=" + new string('K', 65), "value" },
        { "/v1/metrics/bookings?from=soon&to=2026-11-21T11:00:00Z", "from" },
        { "/v1/metrics/bookings?from=2026-11-21T10:00:00Z&to=2026-11-21T10:00:00Z", "to" },
        { "/v1/metrics/bookings?" + Range + "&dimension=country", "dimension" },
        { "/v1/metrics/bookings?" + Range + "&dimension=city&value=" + new string('S', 65), "value" },
        { "/v1/metrics/bookings?" + Range + "&dimension=city&product_id=tour-1", "product_id" },
        { "/v1/metrics/popularity/top?from=2026-11-21T10:00:00Z", "to" },
        { "/v1/metrics/popularity/top?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z", "to" },
        { "/v1/metrics/popularity/top?" + Range + "&n=0", "n" },
        { "/v1/metrics/popularity/top?" + Range + "&n=1001", "n" },
        { "/v1/metrics/popularity/top?" + Range + "&n=ten", "n" },
        { "/v1/metrics/popularity/top?" + Range + "&per_minute=yes", "per_minute" },
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task Bad_parameters_get_400_with_a_problem_naming_the_parameter(string url, string field)
    {
        using var response = await fixture.Gateway.GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), MetricsApiJson.Default.ProblemBody)!;
        Assert.Equal(400, problem.Status);
        Assert.Equal([field], problem.Errors!.Keys.ToArray());
    }

    [Fact]
    public async Task Concurrent_users_are_the_latest_partials_summed_over_source_partitions()
    {
        var (m0, m1, m2) = (UsersHour, UsersHour.AddMinutes(1), UsersHour.AddMinutes(2));
        await fixture.ClickHouse.InsertRowBinaryAsync(ConcurrentUsersTable.Table, new List<ConcurrentUsersPerMinute>
        {
            // m0, all: partition 0's provisional 10 is replaced by its final 12; partition 1 adds 8.
            new(m0, "all", "", 0, 1, true, 10), new(m0, "all", "", 0, 2, false, 12), new(m0, "all", "", 1, 5, false, 8),
            // m1, all: partition 1 is still provisional, so the minute is.
            new(m1, "all", "", 0, 3, false, 4), new(m1, "all", "", 1, 3, true, 6),
            // m2, all: an explicit zero.
            new(m2, "all", "", 0, 1, false, 0),
            new(m0, "platform", "ios", 0, 1, false, 3), new(m0, "platform", "ios", 1, 1, false, 2),
            new(m0, "platform", "android", 2, 1, false, 7), new(m1, "country", "KR", 0, 1, false, 9),
        }, ConcurrentUsersTable.Rows);

        var all = await GetAsync($"/v1/metrics/concurrent-users?from={Iso(m0)}&to={Iso(UsersHour.AddHours(1))}", MetricsApiJson.Default.ApiUsersBody);
        Assert.Equal("all", all.Dimension);
        Assert.False(all.Truncated);
        Assert.Equal(
            [new ApiUsersRow(m0, "all", "", 20, false), new ApiUsersRow(m1, "all", "", 10, true), new ApiUsersRow(m2, "all", "", 0, false)],
            all.Rows);

        // to is exclusive.
        var first = await GetAsync($"/v1/metrics/concurrent-users?from={Iso(m0)}&to={Iso(m1)}&dimension=all", MetricsApiJson.Default.ApiUsersBody);
        Assert.Equal([new ApiUsersRow(m0, "all", "", 20, false)], first.Rows);

        var platforms = await GetAsync($"/v1/metrics/concurrent-users?from={Iso(m0)}&to={Iso(m2)}&dimension=platform", MetricsApiJson.Default.ApiUsersBody);
        Assert.Equal([new ApiUsersRow(m0, "platform", "android", 7, false), new ApiUsersRow(m0, "platform", "ios", 5, false)], platforms.Rows);

        var ios = await GetAsync($"/v1/metrics/concurrent-users?from={Iso(m0)}&to={Iso(m2)}&dimension=platform&value=ios", MetricsApiJson.Default.ApiUsersBody);
        Assert.Equal([new ApiUsersRow(m0, "platform", "ios", 5, false)], ios.Rows);
    }

    [Fact]
    public async Task Bookings_are_per_dimension_value_and_currency_with_the_old_fields_kept()
    {
        var (m0, m1) = (BookingsHour, BookingsHour.AddMinutes(1));
        await fixture.ClickHouse.InsertRowBinaryAsync(BookingsTable.Table, new List<BookingsPerMinute>
        {
            new(m0, "product", "bk-tour-1", "KRW", 0, 1, true, 1, 0, 100, 0),
            new(m0, "product", "bk-tour-1", "KRW", 0, 2, false, 2, 1, 300, 100),
            new(m0, "product", "bk-tour-1", "KRW", 1, 4, false, 3, 0, 600, 0),
            new(m0, "product", "bk-tour-1", "JPY", 2, 1, false, 1, 0, 50, 0),
            new(m1, "product", "bk-stay-2", "KRW", 0, 1, true, 1, 0, 70, 0),
            new(m0, "city", "Seoul", "KRW", 0, 2, false, 4, 1, 800, 100),
            new(m0, "city", "Seoul", "KRW", 1, 4, false, 1, 0, 100, 0),
            new(m0, "category", "tour", "KRW", 0, 2, false, 5, 1, 900, 100),
        }, BookingsTable.Rows);
        var range = $"from={Iso(BookingsHour)}&to={Iso(BookingsHour.AddHours(1))}";

        var products = await GetAsync("/v1/metrics/bookings?" + range, MetricsApiJson.Default.ApiBookingsBody);
        Assert.Equal("product", products.Dimension);
        Assert.Equal(
            [
                new ApiBookingsRow(m0, "product", "bk-tour-1", "JPY", 1, 0, 50, 0, false, m0, "bk-tour-1"),
                new ApiBookingsRow(m0, "product", "bk-tour-1", "KRW", 5, 1, 900, 100, false, m0, "bk-tour-1"),
                new ApiBookingsRow(m1, "product", "bk-stay-2", "KRW", 1, 0, 70, 0, true, m1, "bk-stay-2"),
            ],
            products.Rows);

        var byAlias = await GetAsync($"/v1/metrics/bookings?{range}&product_id=bk-tour-1", MetricsApiJson.Default.ApiBookingsBody);
        var byValue = await GetAsync($"/v1/metrics/bookings?{range}&dimension=product&value=bk-tour-1", MetricsApiJson.Default.ApiBookingsBody);
        Assert.Equal(products.Rows.Take(2), byAlias.Rows);
        Assert.Equal(products.Rows.Take(2), byValue.Rows);

        var cities = await GetAsync($"/v1/metrics/bookings?{range}&dimension=city", MetricsApiJson.Default.ApiBookingsBody);
        Assert.Equal([new ApiBookingsRow(m0, "city", "Seoul", "KRW", 5, 1, 900, 100, false, m0, null)], cities.Rows);
        var categories = await GetAsync($"/v1/metrics/bookings?{range}&dimension=category&value=tour", MetricsApiJson.Default.ApiBookingsBody);
        Assert.Equal([new ApiBookingsRow(m0, "category", "tour", "KRW", 5, 1, 900, 100, false, m0, null)], categories.Rows);
        Assert.Empty((await GetAsync($"/v1/metrics/bookings?{range}&dimension=city&value=Busan", MetricsApiJson.Default.ApiBookingsBody)).Rows);
    }

    [Fact]
    public async Task Top_products_are_ranked_by_summed_score_over_the_range_and_per_minute()
    {
        var (m0, m1) = (PopularityHour, PopularityHour.AddMinutes(1));
        // Scores are sums of binary fractions, so they add up exactly in any order.
        await fixture.ClickHouse.InsertRowBinaryAsync(PopularityTable.Table, new List<ProductPopularityPerMinute>
        {
            new(m0, "pop-a", 0, 1, true, 100, 0, 0, 99),
            new(m0, "pop-a", 0, 2, false, 10, 1, 1, 5.5),
            new(m0, "pop-a", 1, 1, false, 4, 0, 0, 2),
            new(m0, "pop-b", 0, 1, false, 3, 0, 0, 9),
            new(m0, "pop-c", 1, 1, false, 1, 0, 0, 0.25),
            new(m1, "pop-b", 0, 1, false, 1, 1, 1, 1.25),
            new(m1, "pop-c", 0, 1, true, 1, 1, 0, 1),
            new(m1, "pop-a", 2, 3, false, 0, 0, 0, 0.5),
            new(m1, "pop-d", 1, 1, false, 6, 0, 0, 3),
            new(m1, "pop-e", 2, 1, false, 6, 0, 0, 3),
        }, PopularityTable.Rows);
        var range = $"from={Iso(PopularityHour)}&to={Iso(PopularityHour.AddHours(1))}";

        // pop-d and pop-e tie at 3; the smaller product id wins the last place.
        var top3 = await GetAsync($"/v1/metrics/popularity/top?{range}&n=3", MetricsApiJson.Default.ApiTopBody);
        Assert.Equal(3, top3.N);
        Assert.False(top3.PerMinute);
        Assert.Equal(
            [
                new ApiTopRow(1, "pop-b", 4, 1, 1, 10.25, false),
                new ApiTopRow(2, "pop-a", 14, 1, 1, 8, false),
                new ApiTopRow(3, "pop-d", 6, 0, 0, 3, false),
            ],
            top3.Rows);

        var all = await GetAsync("/v1/metrics/popularity/top?" + range, MetricsApiJson.Default.ApiTopBody);
        Assert.Equal(100, all.N);
        Assert.Equal(["pop-b", "pop-a", "pop-d", "pop-e", "pop-c"], all.Rows.Select(r => r.ProductId));
        Assert.Equal(new ApiTopRow(5, "pop-c", 2, 1, 0, 1.25, true), all.Rows[^1]);

        var perMinute = await GetAsync($"/v1/metrics/popularity/top?{range}&n=2&per_minute=true", MetricsApiJson.Default.ApiTopBody);
        Assert.True(perMinute.PerMinute);
        Assert.False(perMinute.Truncated);
        Assert.Equal(
            [
                new ApiTopRow(1, "pop-b", 3, 0, 0, 9, false, m0),
                new ApiTopRow(2, "pop-a", 14, 1, 1, 7.5, false, m0),
                new ApiTopRow(1, "pop-d", 6, 0, 0, 3, false, m1),
                new ApiTopRow(2, "pop-e", 6, 0, 0, 3, false, m1),
            ],
            perMinute.Rows);
    }

    private async Task<T> GetAsync<T>(string url, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        using var response = await fixture.Gateway.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url} answered {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize(body, type)!;
    }

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
}

public sealed record ApiUsersBody(string Dimension, List<ApiUsersRow> Rows, bool Truncated);

public sealed record ApiUsersRow(DateTimeOffset Minute, string Dimension, string Value, long Users, bool Provisional);

public sealed record ApiBookingsBody(string Dimension, List<ApiBookingsRow> Rows, bool Truncated);

public sealed record ApiBookingsRow(
    DateTimeOffset Minute, string Dimension, string Value, string Currency, long Bookings, long Cancellations,
    long RevenueMinor, long CancelledRevenueMinor, bool Provisional, DateTimeOffset WindowStart, string? ProductId = null);

public sealed record ApiTopBody(int N, bool PerMinute, List<ApiTopRow> Rows, bool Truncated);

/// <summary>Minute is absent from rows over the whole range.</summary>
public sealed record ApiTopRow(
    int Rank, string ProductId, long Views, long Wishlists, long Bookings, double Score, bool Provisional, DateTimeOffset? Minute = null);

// Missing properties fail rather than default, so a renamed field cannot pass as zero.
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(ApiUsersBody))]
[JsonSerializable(typeof(ApiBookingsBody))]
[JsonSerializable(typeof(ApiTopBody))]
[JsonSerializable(typeof(ProblemBody))]
internal sealed partial class MetricsApiJson : JsonSerializerContext;
