using System.Net;

namespace Streaming.Gateway.Tests;

public sealed class RateLimitTests
{
    [Fact]
    public async Task Public_endpoints_answer_429_past_the_configured_requests_per_minute_and_health_stays_open()
    {
        using var factory = new GatewayFactory { Settings = { ["Gateway:RequestsPerMinute"] = "3" } };
        using var http = factory.CreateClient();

        // The page and the metrics share one budget per client; a refused query counts too.
        List<HttpStatusCode> statuses = [];
        foreach (var url in new[] { "/", "/v1/metrics/bookings?from=bad", "/", "/", "/v1/metrics/popularity/top?from=bad" })
        {
            using var response = await http.GetAsync(url);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.BadRequest, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests],
            statuses);
        using var health = await http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
