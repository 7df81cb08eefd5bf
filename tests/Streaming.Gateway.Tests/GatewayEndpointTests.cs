using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http;

namespace Streaming.Gateway.Tests;

/// <summary>The gateway's HTTP surface in process: refused queries, the dashboard, health; ClickHouse is never reached.</summary>
public sealed class GatewayEndpointTests(GatewayFactory factory) : IClassFixture<GatewayFactory>
{
    private const string Range = "from=2026-11-21T10:00:00Z&to=2026-11-21T11:00:00Z";

    public static TheoryData<string, string, string[]> BadQueries() => new()
    {
        { "/v1/metrics/bookings?from=yesterday&to=2026-11-21T11:00:00Z", "from", ["from must be an ISO-8601 timestamp with an offset, e.g. 2026-11-21T10:00:00Z"] },
        { "/v1/metrics/bookings?from=2026-11-21T10:00:00Z", "to", ["'to' must not be empty.", "to must be an ISO-8601 timestamp with an offset, e.g. 2026-11-21T11:00:00Z"] },
        { "/v1/metrics/bookings/per-minute?from=2026-11-21T10:00:00Z&to=2026-11-21T09:00:00Z", "to", ["to must be after from"] },
        { "/v1/metrics/concurrent-users?from=2026-11-01T00:00:00Z&to=2026-11-21T00:00:00Z", "to", ["the range from..to may span at most 168 hours"] },
        { "/v1/metrics/bookings?from=1969-12-31T23:00:00Z&to=1970-01-01T01:00:00Z", "from", [OutsideStorage("from")] },
        { "/v1/metrics/popularity/top?from=2105-12-31T23:00:00Z&to=2106-01-01T00:01:00Z", "to", [OutsideStorage("to")] },
        { $"/v1/metrics/bookings?{Range}&dimension=platform", "dimension", ["dimension must be one of product, category, city"] },
        { $"/v1/metrics/concurrent-users?{Range}&dimension=city", "dimension", ["dimension must be one of all, platform, country"] },
        { $"/v1/metrics/bookings?{Range}&dimension=city&product_id=p1", "product_id", ["product_id is shorthand for dimension=product&value=…; do not combine it with value or another dimension"] },
        { $"/v1/metrics/popularity/top?{Range}&n=0", "n", ["n must be a whole number from 1 to 1000"] },
        { $"/v1/metrics/popularity/top?{Range}&n=ten", "n", ["n must be a whole number from 1 to 1000"] },
        { $"/v1/metrics/popularity/top?{Range}&n=1001", "n", ["n must be a whole number from 1 to 1000"] },
        { $"/v1/metrics/popularity/top?{Range}&per_minute=yes", "per_minute", ["per_minute must be true or false"] },
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task A_bad_query_gets_400_with_a_problem_naming_the_parameter(string url, string field, string[] messages)
    {
        using var response = await factory.CreateClient().GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<HttpValidationProblemDetails>();
        var error = Assert.Single(problem!.Errors);
        Assert.Equal(field, error.Key);
        Assert.Equal(messages, error.Value);
    }

    [Fact]
    public async Task A_good_query_does_go_to_clickhouse_which_is_not_there()
    {
        // The control for the test above: the same endpoint with valid parameters fails for want of ClickHouse.
        using var response = await factory.CreateClient().GetAsync("/v1/metrics/bookings?" + Range);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Theory]
    [InlineData("/v1/metrics/bookings?from=2163-01-13T22:42:00Z&to=2163-01-13T23:42:00Z")]
    [InlineData("/v1/metrics/concurrent-users?from=2163-01-13T22:42:00Z&to=2163-01-13T23:42:00Z")]
    [InlineData("/v1/ledger?from=2163-01-13T22:42:00Z&to=2163-01-13T23:42:00Z")]
    public async Task A_range_past_what_ClickHouse_represents_is_a_400_naming_from_and_to_not_rows_of_1970(string url)
    {
        // ClickHouse's DateTime wraps in 2106: without the bound this range compared as one in 1970 and returned rows.
        using var response = await factory.CreateClient().GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<HttpValidationProblemDetails>();
        Assert.Equal(["from", "to"], problem!.Errors.Keys.Order());
        Assert.Equal([OutsideStorage("from")], problem.Errors["from"]);
    }

    private static string OutsideStorage(string name) =>
        $"{name} must lie from 1970-01-01T00:00:00Z to 2106-01-01T00:00:00Z (what the metrics store represents)";

    [Fact]
    public async Task The_dashboard_page_is_served_at_the_root()
    {
        using var response = await factory.CreateClient().GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<title>Streaming — live metrics</title>", html, StringComparison.Ordinal);
        Assert.Contains("/v1/metrics/bookings/per-minute?from=", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_answers_without_clickhouse()
    {
        using var response = await factory.CreateClient().GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }
}
