using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.TestHost;
using Streaming.ServiceDefaults;
using Streaming.ServiceDefaults.RequestHead;

namespace Streaming.Gateway.Tests;

/// <summary>
/// The refusals the framework makes rather than an endpoint (no route, wrong method, wrong content type, an unhandled
/// exception, a request line or headers over the documented limits) are problem+json in every service (ServiceDefaults);
/// only a request beyond Kestrel's own, raised, limits gets Kestrel's empty 414 or 431.
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
    public async Task A_request_line_over_8_KiB_is_a_414_problem_up_to_Kestrels_limit_and_an_empty_414_beyond_it()
    {
        using var factory = StartGatewayOnKestrel();
        var server = factory.ClientOptions.BaseAddress;
        const int lineOverhead = 16; // "GET " + " HTTP/1.1\r\n" around the target "/aaa…"
        string Head(int lineBytes) => "GET /" + new string('a', lineBytes - lineOverhead) + " HTTP/1.1\r\n" + HostAndClose + "\r\n";

        // Not refused: routing answers (404, no such route).
        var atLimit = await RawHttp.SendAsync(server, Head(RequestHeadLimits.MaxRequestLineBytes));
        AssertProblem(atLimit, HttpStatusCode.NotFound);

        var overLimit = await RawHttp.SendAsync(server, Head(RequestHeadLimits.MaxRequestLineBytes + 1));
        var problem = AssertProblem(overLimit, HttpStatusCode.RequestUriTooLong);
        Assert.Equal("Request line too long", problem.GetProperty("title").GetString());
        Assert.Contains("is 8,193 bytes, more than 8,192", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var atKestrelLimit = await RawHttp.SendAsync(server, Head(KestrelLimit(RequestHeadLimits.MaxRequestLineBytes)));
        AssertProblem(atKestrelLimit, HttpStatusCode.RequestUriTooLong);

        var overKestrelLimit = await RawHttp.SendAsync(server, Head(KestrelLimit(RequestHeadLimits.MaxRequestLineBytes) + 1));
        AssertEmpty(overKestrelLimit, HttpStatusCode.RequestUriTooLong);
    }

    [Fact]
    public async Task Headers_over_32_KiB_are_a_431_problem_up_to_Kestrels_limit_and_an_empty_431_beyond_it()
    {
        using var factory = StartGatewayOnKestrel();
        var server = factory.ClientOptions.BaseAddress;
        // Each header line is "name: value\r\n"; the filler makes all of them together headerBytes.
        const string fillerName = "X-Filler";
        string Head(int headerBytes) => "GET /v1/no-such-thing HTTP/1.1\r\n" + HostAndClose
            + fillerName + ": " + new string('h', headerBytes - HostAndClose.Length - fillerName.Length - 4) + "\r\n\r\n";

        var atLimit = await RawHttp.SendAsync(server, Head(RequestHeadLimits.MaxHeadersBytes));
        AssertProblem(atLimit, HttpStatusCode.NotFound);

        var overLimit = await RawHttp.SendAsync(server, Head(RequestHeadLimits.MaxHeadersBytes + 1));
        var problem = AssertProblem(overLimit, HttpStatusCode.RequestHeaderFieldsTooLarge);
        Assert.Equal("Request headers too large", problem.GetProperty("title").GetString());
        Assert.Contains("are 32,769 bytes together, more than 32,768", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var atKestrelLimit = await RawHttp.SendAsync(server, Head(KestrelLimit(RequestHeadLimits.MaxHeadersBytes)));
        AssertProblem(atKestrelLimit, HttpStatusCode.RequestHeaderFieldsTooLarge);

        var overKestrelLimit = await RawHttp.SendAsync(server, Head(KestrelLimit(RequestHeadLimits.MaxHeadersBytes) + 1));
        AssertEmpty(overKestrelLimit, HttpStatusCode.RequestHeaderFieldsTooLarge);
    }

    [Fact]
    public async Task More_than_100_header_lines_are_a_431_problem_up_to_Kestrels_limit_and_an_empty_431_beyond_it()
    {
        using var factory = StartGatewayOnKestrel();
        var server = factory.ClientOptions.BaseAddress;
        // Host and Connection are two lines; a header sent twice counts twice.
        static string Head(int lines) => "GET /v1/no-such-thing HTTP/1.1\r\n" + HostAndClose
            + string.Concat(Enumerable.Range(0, lines - 2).Select(i => i % 2 == 0 ? $"X-Line-{i}: 1\r\n" : "X-Twice: 1\r\n")) + "\r\n";

        var atLimit = await RawHttp.SendAsync(server, Head(RequestHeadLimits.MaxHeaderCount));
        AssertProblem(atLimit, HttpStatusCode.NotFound);

        var overLimit = await RawHttp.SendAsync(server, Head(RequestHeadLimits.MaxHeaderCount + 1));
        var problem = AssertProblem(overLimit, HttpStatusCode.RequestHeaderFieldsTooLarge);
        Assert.Equal("Too many request headers", problem.GetProperty("title").GetString());
        Assert.Contains("has 101 header lines, more than 100", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var atKestrelLimit = await RawHttp.SendAsync(server, Head(KestrelLimit(RequestHeadLimits.MaxHeaderCount)));
        AssertProblem(atKestrelLimit, HttpStatusCode.RequestHeaderFieldsTooLarge);

        var overKestrelLimit = await RawHttp.SendAsync(server, Head(KestrelLimit(RequestHeadLimits.MaxHeaderCount) + 1));
        AssertEmpty(overKestrelLimit, HttpStatusCode.RequestHeaderFieldsTooLarge);
    }

    [Fact]
    public async Task Headers_over_the_limit_are_refused_before_keys_and_rate_limits_are_checked()
    {
        // One request a minute: had the rate limiter or the key check run first, the answers would be 429 or 401.
        using var factory = new GatewayFactory { Settings = { ["Gateway:RequestsPerMinute"] = "1" } };
        using var http = factory.CreateClient();

        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/users/u-1/pushes");
            request.Headers.Add("X-Filler", new string('h', RequestHeadLimits.MaxHeadersBytes));
            using var response = await http.SendAsync(request);
            await AssertProblemAsync(response, HttpStatusCode.RequestHeaderFieldsTooLarge);
        }
    }

    [Fact]
    public async Task Measuring_a_request_head_on_Kestrel_allocates_nothing_also_with_a_body()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        var allocated = new ConcurrentQueue<long>();
        app.Use((http, next) =>
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var refusal = RequestHeadLimits.Refusal(http);
            allocated.Enqueue(GC.GetAllocatedBytesForCurrentThread() - before);
            return refusal is null ? next(http) : Task.CompletedTask;
        });
        app.MapPost("/events", async (HttpRequest request) =>
        {
            await request.Body.CopyToAsync(Stream.Null);
            return Results.Accepted();
        });
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        for (var i = 0; i < 20; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/events?attempt=" + i)
            {
                Content = new StringContent(new string('x', 1000 + (i * 997)), System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("X-Api-Key", "a-key-of-the-usual-length-0123456789");
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        // The first request on a connection makes the enumerator Kestrel reuses for the later ones.
        Assert.Equal(20, allocated.Count);
        Assert.All(allocated.Skip(1), bytes => Assert.Equal(0, bytes));
    }

    private const string HostAndClose = "Host: localhost\r\nConnection: close\r\n";

    private static int KestrelLimit(int documented) => RequestHeadLimits.KestrelHeadroom * documented;

    private static GatewayFactory StartGatewayOnKestrel()
    {
        var factory = new GatewayFactory { Settings = { ["Gateway:RequestsPerMinute"] = "100000" } };
        factory.UseKestrel(0);
        factory.StartServer();
        return factory;
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status) =>
        AssertProblem(new RawResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync()), status);

    private static JsonElement AssertProblem(RawResponse response, HttpStatusCode status)
    {
        Assert.Equal(status, response.Status);
        Assert.Equal("application/problem+json", response.MediaType);
        var problem = JsonDocument.Parse(response.Body).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        return problem;
    }

    /// <summary>Kestrel's own refusal: the status and no body.</summary>
    private static void AssertEmpty(RawResponse response, HttpStatusCode status)
    {
        Assert.Equal(status, response.Status);
        Assert.Null(response.MediaType);
        Assert.Equal("", response.Body);
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
