using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Streaming.Profiles.Contracts;

namespace Streaming.Gateway.Tests.Widgets;

public sealed class JustBookedEndpointTests
{
    [Fact]
    public async Task Bookings_of_the_last_24_hours_newest_first_deduplicated_with_only_public_fields()
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();
        var now = factory.Time.GetUtcNow();
        BookingEntry Booking(string id, string product, TimeSpan ago, string? city) => new(id, product, now - ago, city, "tour");
        factory.JustBooked.Add([Booking("e1", "p1", TimeSpan.FromMinutes(30), "Busan"), Booking("e2", "p2", TimeSpan.FromMinutes(2), null)]);
        // A replayed change repeats its bookings; one from 25 hours ago is outside the window.
        factory.JustBooked.Add([Booking("e1", "p1", TimeSpan.FromMinutes(30), "Busan"), Booking("e3", "p3", TimeSpan.FromHours(25), "Seoul")]);
        factory.JustBooked.Add([Booking("e4", "p1", TimeSpan.FromHours(23), "Seoul")]);

        using var response = await http.GetAsync("/v1/just-booked");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rows = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("bookings").EnumerateArray().ToList();
        Assert.Equal(["p2", "p1", "p1"], rows.Select(r => r.GetProperty("product_id").GetString()));
        Assert.Equal([now.AddMinutes(-2), now.AddMinutes(-30), now.AddHours(-23)], rows.Select(r => r.GetProperty("booked_at").GetDateTimeOffset()));
        Assert.Equal(JsonValueKind.Null, rows[0].GetProperty("city").ValueKind);
        Assert.All(rows, r => Assert.Equal(["booked_at", "category", "city", "product_id"], r.EnumerateObject().Select(p => p.Name).Order()));

        // Time passes: the 23-hour-old booking leaves the window.
        factory.Time.Advance(TimeSpan.FromHours(1.5));
        using var later = await http.GetAsync("/v1/just-booked");
        var laterRows = JsonDocument.Parse(await later.Content.ReadAsStringAsync()).RootElement.GetProperty("bookings").GetArrayLength();
        Assert.Equal(2, laterRows);
    }

    [Fact]
    public async Task City_and_category_filter_case_insensitively_and_limit_caps_the_answer()
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();
        var now = factory.Time.GetUtcNow();
        factory.JustBooked.Add(Enumerable.Range(0, 30).Select(i => new BookingEntry(
            $"e{i}", $"p{i}", now.AddSeconds(-i), i % 2 == 0 ? "Busan" : "Seoul", i % 3 == 0 ? "tour" : "hotel")));

        async Task<List<string?>> ProductsAsync(string query) =>
            [.. JsonDocument.Parse(await http.GetStringAsync("/v1/just-booked" + query)).RootElement.GetProperty("bookings")
                .EnumerateArray().Select(r => r.GetProperty("product_id").GetString())];

        Assert.Equal(20, (await ProductsAsync("")).Count);
        Assert.Equal(["p0", "p6", "p12", "p18", "p24"], await ProductsAsync("?city=busan&category=TOUR"));
        Assert.Equal(["p0", "p1", "p2"], await ProductsAsync("?limit=3"));
        Assert.Equal(30, (await ProductsAsync("?limit=100")).Count);
    }

    [Theory]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=101", "limit")]
    [InlineData("?limit=ten", "limit")]
    [InlineData("?limit=-1", "limit")]
    public async Task A_bad_limit_is_a_400_problem_naming_it(string query, string field) => await AssertRefusedAsync(query, field);

    [Fact]
    public async Task An_overlong_city_or_category_is_a_400_problem_naming_it()
    {
        await AssertRefusedAsync("?city=" + new string('x', 101), "city");
        await AssertRefusedAsync("?category=" + new string('x', 101), "category");
    }

    private static async Task AssertRefusedAsync(string query, string field)
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();
        foreach (var path in new[] { "/v1/just-booked", "/v1/just-booked/stream" })
        {
            using var response = await http.GetAsync(path + query);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal([field], (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors.Keys);
        }
    }

    [Fact]
    public async Task The_stream_sends_the_newest_matching_bookings_then_each_new_one_that_matches()
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();
        var now = factory.Time.GetUtcNow();
        factory.JustBooked.Add([new("e1", "p1", now.AddMinutes(-5), "Busan", "tour"), new("e2", "p2", now.AddMinutes(-1), "Busan", "tour")]);

        await using var stream = await SseReader.OpenAsync(http, "/v1/just-booked/stream?city=Busan&limit=5");
        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("p1", (await stream.NextEventAsync()).Json.GetProperty("product_id").GetString());
        Assert.Equal("p2", (await stream.NextEventAsync()).Json.GetProperty("product_id").GetString());

        factory.JustBooked.Add([new("e3", "p3", now, "Seoul", "tour"), new("e4", "p4", now, "Busan", "tour"), new("e2", "p2", now.AddMinutes(-1), "Busan", "tour")]);
        var next = await stream.NextEventAsync();
        Assert.Equal("booking", next.Event);
        Assert.Equal("p4", next.Json.GetProperty("product_id").GetString());
        Assert.False(next.Json.TryGetProperty("event_id", out _));
    }
}
