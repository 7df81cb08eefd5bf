using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.TestHost;
using Streaming.ServiceDefaults;

namespace Streaming.Gateway.Tests;

/// <summary>
/// The refusals the framework makes rather than an endpoint (no route, wrong method, wrong content type, an unhandled
/// exception) are problem+json in every service (ServiceDefaults); Kestrel's own 414 and 431 come at the stated limits.
/// </summary>
public sealed class WebServerRefusalTests
{
    [Theory]
    [InlineData("GET", "/v1/no-such-thing", HttpStatusCode.NotFound)]
    [InlineData("DELETE", "/v1/metrics/bookings", HttpStatusCode.MethodNotAllowed)]
    [InlineData("PUT", "/v1/just-booked", HttpStatusCode.MethodNotAllowed)]
    public async Task The_gateway_refuses_a_route_or_method_it_does_not_have_with_problem_json(string method, string path, HttpStatusCode status)
    {
        using var factory = new GatewayFactory { Settings = { ["Gateway:RequestsPerMinute"] = "100000" } };
        using var http = factory.CreateClient();

        using var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await AssertProblemAsync(response, status);
    }

    [Fact]
    public async Task A_body_of_the_wrong_content_type_is_a_415_and_an_unhandled_exception_a_500_both_problem_json_without_internals()
    {
        await using var app = await StartServiceAsync(app =>
        {
            app.MapPost("/things", ([FromBody] Thing thing) => Results.Ok(thing));
            app.MapGet("/fails", string () => throw new InvalidOperationException("internal detail"));
        });
        using var http = app.GetTestClient();

        using (var wrongType = await http.PostAsync("/things", new StringContent("name=x", System.Text.Encoding.UTF8, "text/plain")))
        {
            await AssertProblemAsync(wrongType, HttpStatusCode.UnsupportedMediaType);
        }

        using (var accepted = await http.PostAsJsonAsync("/things", new Thing("x")))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        using var failed = await http.GetAsync("/fails");
        var problem = await AssertProblemAsync(failed, HttpStatusCode.InternalServerError);
        Assert.DoesNotContain("internal detail", problem.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kestrel_refuses_a_request_line_over_8_KiB_with_414_and_headers_over_32_KiB_with_431()
    {
        using var factory = new GatewayFactory { Settings = { ["Gateway:RequestsPerMinute"] = "100000" } };
        factory.UseKestrel(0);
        factory.StartServer();
        using var http = factory.CreateClient();

        // The request line is "GET <target> HTTP/1.1": a target a little under the limit passes (404 from routing).
        using (var under = await http.GetAsync("/" + new string('a', ProblemResponses.MaxRequestLineBytes - 100)))
        {
            await AssertProblemAsync(under, HttpStatusCode.NotFound);
        }

        using (var over = await http.GetAsync("/" + new string('a', ProblemResponses.MaxRequestLineBytes)))
        {
            Assert.Equal(HttpStatusCode.RequestUriTooLong, over.StatusCode);
        }

        using var headers = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        headers.Headers.Add("X-Filler", new string('h', ProblemResponses.MaxRequestHeadersBytes));
        using var tooLarge = await http.SendAsync(headers);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, tooLarge.StatusCode);
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        return problem;
    }

    /// <summary>A service of the fleet reduced to its defaults and <paramref name="map"/>, in memory.</summary>
    private static async Task<WebApplication> StartServiceAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        builder.AddServiceDefaults();
        var app = builder.Build();
        app.MapServiceDefaults();
        map(app);
        await app.StartAsync();
        return app;
    }

    public sealed record Thing(string Name);
}
