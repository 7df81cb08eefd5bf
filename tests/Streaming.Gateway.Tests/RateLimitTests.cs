using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;

namespace Streaming.Gateway.Tests;

public sealed class RateLimitTests
{
    [Fact]
    public async Task Public_endpoints_answer_429_problems_past_the_configured_requests_per_minute_and_health_stays_open()
    {
        using var factory = new GatewayFactory { Settings = { ["Gateway:RequestsPerMinute"] = "3" } };
        using var http = factory.CreateClient();

        // The page and the metrics share one budget per client; a refused query counts too.
        List<HttpStatusCode> statuses = [];
        foreach (var url in new[] { "/", "/v1/metrics/bookings?from=bad", "/", "/", "/v1/metrics/popularity/top?from=bad" })
        {
            using var response = await http.GetAsync(url);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                // As documented: a problem like every other refusal, and when to come back.
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.Equal(429, (await response.Content.ReadFromJsonAsync<ProblemDetails>())?.Status);
                Assert.InRange(response.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
            }
        }

        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.BadRequest, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests],
            statuses);
        // Probes and the scraper are not public clients: the public budget never refuses them.
        foreach (var url in new[] { "/healthz", "/readyz", "/metrics" })
        {
            using var probe = await http.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        }
    }
}
