using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace Streaming.Gateway.Tests.Widgets;

public sealed class LiveProfileEndpointTests
{
    private static readonly string[] ProfileFields =
    [
        "product_id", "viewers_now", "views_last_5m", "views_last_hour", "wishlists_last_24h", "bookings_last_hour",
        "bookings_last_24h", "cancellations_last_24h", "last_booked_at", "last_booked_city", "trend", "as_of",
    ];

    [Fact]
    public async Task A_product_without_activity_answers_200_with_zeros_and_exactly_the_profile_fields()
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();

        using var response = await http.GetAsync("/v1/products/never-seen/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(ProfileFields.Order(), json.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("never-seen", json.GetProperty("product_id").GetString());
        Assert.All(
            ["viewers_now", "views_last_5m", "views_last_hour", "wishlists_last_24h", "bookings_last_hour", "bookings_last_24h", "cancellations_last_24h"],
            f => Assert.Equal(0, json.GetProperty(f).GetInt64()));
        Assert.Equal(JsonValueKind.Null, json.GetProperty("as_of").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("last_booked_at").ValueKind);
        Assert.Equal("steady", json.GetProperty("trend").GetString());
    }

    [Fact]
    public async Task The_profile_is_the_grains_with_an_etag_that_answers_304_and_changes_with_the_profile()
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();
        var bookedAt = new DateTimeOffset(2026, 11, 23, 11, 58, 12, 345, TimeSpan.Zero);
        factory.Profiles.Set(Profiles.WithBookings("tour-1", 3, bookedAt, "Busan") with { ViewersNow = 12 });

        using var first = await http.GetAsync("/v1/products/tour-1/live");
        var json = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(3, json.GetProperty("bookings_last_hour").GetInt64());
        Assert.Equal(12, json.GetProperty("viewers_now").GetInt32());
        Assert.Equal("Busan", json.GetProperty("last_booked_city").GetString());
        Assert.Equal(bookedAt, json.GetProperty("last_booked_at").GetDateTimeOffset());
        Assert.Equal("max-age=1", first.Headers.CacheControl?.ToString());
        var etag = first.Headers.ETag ?? throw new InvalidOperationException("no ETag");

        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/v1/products/tour-1/live");
        conditional.Headers.IfNoneMatch.Add(etag);
        using var notModified = await http.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(etag, notModified.Headers.ETag);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

        factory.Profiles.Set(Profiles.WithBookings("tour-1", 4, bookedAt, "Busan"));
        using var changed = new HttpRequestMessage(HttpMethod.Get, "/v1/products/tour-1/live");
        changed.Headers.IfNoneMatch.Add(etag);
        using var fresh = await http.SendAsync(changed);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.NotEqual(etag, fresh.Headers.ETag);
        Assert.Equal(4, JsonDocument.Parse(await fresh.Content.ReadAsStringAsync()).RootElement.GetProperty("bookings_last_hour").GetInt64());
    }

    [Theory]
    [InlineData("%20")]
    [InlineData("p-0123456789012345678901234567890123456789012345678901234567890123")]
    public async Task An_id_ingest_would_refuse_is_a_400_problem_naming_product_id(string productId)
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();

        foreach (var url in new[] { $"/v1/products/{productId}/live", $"/v1/products/{productId}/live/stream" })
        {
            using var response = await http.GetAsync(url);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<ValidationProblemDetails>();
            Assert.Contains("product_id", problem!.Errors.Keys);
        }
    }

    [Fact]
    public async Task Without_orleans_configured_the_gateway_serves_its_other_endpoints_and_live_answers_503_problem()
    {
        using var factory = new GatewayFactory();
        using var http = factory.CreateClient();

        using var dashboard = await http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        using var live = await http.GetAsync("/v1/products/tour-1/live");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, live.StatusCode);
        Assert.Equal("application/problem+json", live.Content.Headers.ContentType?.MediaType);
        Assert.Equal(503, (await live.Content.ReadFromJsonAsync<ProblemDetails>())?.Status);
        using var justBooked = await http.GetAsync("/v1/just-booked");
        Assert.Equal(HttpStatusCode.OK, justBooked.StatusCode);
    }

    [Fact]
    public async Task Widget_endpoints_allow_any_origin_so_product_pages_elsewhere_can_read_them()
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/products/tour-1/live");
        request.Headers.Add("Origin", "https://shop.example");

        using var response = await http.SendAsync(request);

        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal(new MediaTypeHeaderValue("application/json").MediaType, response.Content.Headers.ContentType?.MediaType);
    }
}
