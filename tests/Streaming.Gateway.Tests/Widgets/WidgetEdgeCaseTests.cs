using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Streaming.Profiles.Contracts;

namespace Streaming.Gateway.Tests.Widgets;

/// <summary>What a black-box tester tries against the widget API: ids at the length limit, encoded ids, odd positions and filters.</summary>
public sealed class WidgetEdgeCaseTests
{
    [Fact]
    public async Task A_product_id_of_64_characters_is_read_and_one_of_65_is_a_400_naming_product_id()
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();
        var longest = new string('p', 64);
        factory.Profiles.Set(Profiles.WithBookings(longest, 2));

        using var live = await http.GetAsync($"/v1/products/{longest}/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        var json = JsonDocument.Parse(await live.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(longest, json.GetProperty("product_id").GetString());
        Assert.Equal(2, json.GetProperty("bookings_last_hour").GetInt64());
        await using (var stream = await SseReader.OpenAsync(http, $"/v1/products/{longest}/live/stream"))
        {
            Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
            Assert.Equal("profile", (await stream.NextEventAsync()).Event);
        }

        foreach (var url in new[] { $"/v1/products/{longest}p/live", $"/v1/products/{longest}p/live/stream", "/v1/products//live", "/v1/products//live/stream" })
        {
            using var refused = await http.GetAsync(url);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Equal(["product_id"], (await refused.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors.Keys);
        }
    }

    [Theory]
    [InlineData("tour seoul 001")]
    [InlineData("투어-서울-001")]
    [InlineData("tour+seoul&day=1?")]
    [InlineData("tour/seoul/001")]
    [InlineData("100%-fun")]
    [InlineData("50%2Foff")]
    [InlineData("ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé")]
    public async Task An_encoded_id_reaches_the_grain_as_ingest_stored_it(string productId)
    {
        // Kestrel, not the test server: how a real server decodes the path (an encoded '/' stays encoded) is the point.
        using var factory = new WidgetGatewayFactory();
        factory.UseKestrel(0);
        factory.StartServer();
        using var http = factory.CreateClient();
        factory.Profiles.Set(Profiles.WithBookings(productId, 3));

        using var live = await http.GetAsync($"/v1/products/{Uri.EscapeDataString(productId)}/live");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        var json = JsonDocument.Parse(await live.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(productId, json.GetProperty("product_id").GetString());
        Assert.Equal(3, json.GetProperty("bookings_last_hour").GetInt64());
    }

    [Theory]
    [InlineData("not-a-number")]
    [InlineData("-3")]
    [InlineData("99999999999999999999999")]
    public async Task A_last_event_id_that_is_not_a_version_starts_the_stream_afresh(string lastEventId)
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();
        factory.Hub.Publish(Profiles.Change("tour-1", 4));
        factory.Profiles.Set(Profiles.WithBookings("tour-1", 4));

        await using var stream = await SseReader.OpenAsync(http, "/v1/products/tour-1/live/stream", lastEventId);

        var first = await stream.NextEventAsync();
        Assert.Equal(4, first.Version);
        Assert.Equal(4, first.Json.GetProperty("bookings_last_hour").GetInt64());
        factory.Time.Advance(TimeSpan.FromSeconds(1));
        factory.Hub.Publish(Profiles.Change("tour-1", 5));
        Assert.Equal(5, (await stream.NextEventAsync()).Version);
    }

    [Fact]
    public async Task A_last_event_id_beyond_the_products_newest_version_starts_the_stream_afresh_and_still_gets_changes()
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();
        // Another product's position (or one from the future): tour-1 has only reached version 3.
        factory.Hub.Publish(Profiles.Change("tour-2", 500));
        factory.Hub.Publish(Profiles.Change("tour-1", 3));
        factory.Profiles.Set(Profiles.WithBookings("tour-1", 3));

        await using var stream = await SseReader.OpenAsync(http, "/v1/products/tour-1/live/stream", lastEventId: "500");

        var first = await stream.NextEventAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("profile", first.Event);
        Assert.Equal(3, first.Version);
        Assert.Equal("tour-1", first.Json.GetProperty("product_id").GetString());
        factory.Time.Advance(TimeSpan.FromSeconds(1));
        factory.Hub.Publish(Profiles.Change("tour-1", 4));
        Assert.Equal(4, (await stream.NextEventAsync(TimeSpan.FromSeconds(5))).Version);
    }

    [Fact]
    public async Task A_last_event_id_for_a_product_this_gateway_has_no_change_of_gets_the_current_profile_at_once()
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();
        factory.Profiles.Set(Profiles.WithBookings("tour-1", 6));

        await using var stream = await SseReader.OpenAsync(http, "/v1/products/tour-1/live/stream?last_event_id=7");

        var first = await stream.NextEventAsync(TimeSpan.FromSeconds(5));
        Assert.Null(first.Id);
        Assert.Equal(6, first.Json.GetProperty("bookings_last_hour").GetInt64());
    }

    [Fact]
    public async Task A_last_event_id_older_than_the_kept_changes_gets_the_kept_ones_ending_with_the_newest()
    {
        using var factory = new WidgetGatewayFactory { Settings = { ["Widgets:RecentChangesPerProduct"] = "3" } };
        using var http = factory.CreateClient();
        for (var version = 1; version <= 10; version++)
        {
            factory.Hub.Publish(Profiles.Change("tour-1", version));
        }

        await using var stream = await SseReader.OpenAsync(http, "/v1/products/tour-1/live/stream", lastEventId: "2");

        List<long> versions = [];
        for (var i = 0; i < 3; i++)
        {
            versions.Add((await stream.NextEventAsync()).Version);
        }

        Assert.Equal([8, 9, 10], versions);
    }

    [Fact]
    public async Task Blank_filters_and_limit_as_in_the_documented_signature_mean_any_and_the_default()
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();
        var now = factory.Time.GetUtcNow();
        factory.JustBooked.Add(Enumerable.Range(0, 25).Select(i => new BookingEntry($"e{i}", $"p{i}", now.AddSeconds(-i), "Busan", "tour")));

        using var response = await http.GetAsync("/v1/just-booked?city=&category=&limit=");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rows = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("bookings");
        Assert.Equal(20, rows.GetArrayLength());
    }

    [Theory]
    [InlineData("?limit=1.5")]
    [InlineData("?limit=%2B5")]
    [InlineData("?limit=1e2")]
    [InlineData("?limit=99999999999")]
    public async Task A_limit_that_is_not_a_whole_number_from_1_to_100_is_a_400_naming_limit(string query)
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();

        using var response = await http.GetAsync("/v1/just-booked" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["limit"], (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors.Keys);
    }

    [Fact]
    public async Task A_city_with_odd_characters_matches_exactly_and_case_insensitively_and_one_of_100_characters_is_accepted()
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();
        var now = factory.Time.GetUtcNow();
        var longCity = new string('x', 100);
        factory.JustBooked.Add(
        [
            new("e1", "p1", now.AddMinutes(-1), "São Paulo", "tour"),
            new("e2", "p2", now.AddMinutes(-2), "Rio & Co; <b>", "tour"),
            new("e3", "p3", now.AddMinutes(-3), longCity, "tour"),
            new("e4", "p4", now.AddMinutes(-4), "São", "tour"),
        ]);

        async Task<List<string?>> ProductsAsync(string city) =>
            [.. JsonDocument.Parse(await http.GetStringAsync("/v1/just-booked?city=" + Uri.EscapeDataString(city))).RootElement
                .GetProperty("bookings").EnumerateArray().Select(r => r.GetProperty("product_id").GetString())];

        Assert.Equal(["p1"], await ProductsAsync("SÃO PAULO"));
        Assert.Equal(["p2"], await ProductsAsync("rio & co; <B>"));
        Assert.Equal(["p3"], await ProductsAsync(longCity.ToUpperInvariant()));
        Assert.Empty(await ProductsAsync("Paulo"));
    }

    [Fact]
    public async Task A_booking_of_the_future_or_older_than_24_hours_is_placed_by_its_time()
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();
        var now = factory.Time.GetUtcNow();
        factory.JustBooked.Add(
        [
            new("old", "p-old", now - TimeSpan.FromHours(24) - TimeSpan.FromMilliseconds(1), "Busan", "tour"),
            new("edge", "p-edge", now - TimeSpan.FromHours(24), "Busan", "tour"),
            new("ahead", "p-ahead", now.AddMinutes(3), "Busan", "tour"),
            new("now", "p-now", now, "Busan", "tour"),
        ]);

        var rows = JsonDocument.Parse(await http.GetStringAsync("/v1/just-booked")).RootElement.GetProperty("bookings")
            .EnumerateArray().Select(r => r.GetProperty("product_id").GetString()).ToList();

        Assert.Equal(["p-ahead", "p-now", "p-edge"], rows);
    }

    [Fact]
    public async Task Every_widget_endpoint_shares_the_public_rate_limit_and_answers_429_problems_past_it()
    {
        using var factory = new WidgetGatewayFactory { Settings = { ["Gateway:RequestsPerMinute"] = "4" } };
        using var http = factory.CreateClient();
        string[] urls = ["/v1/products/tour-1/live", "/v1/just-booked", "/widgets/just-booked.js", "/v1/just-booked?limit=0"];
        foreach (var url in urls)
        {
            using var allowed = await http.GetAsync(url);
            Assert.NotEqual(HttpStatusCode.TooManyRequests, allowed.StatusCode);
        }

        foreach (var url in urls.Append("/v1/products/tour-1/live/stream").Append("/v1/just-booked/stream"))
        {
            using var refused = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(refused.Headers.RetryAfter);
        }
    }

    [Fact]
    public async Task Without_an_answering_silo_live_is_a_503_with_retry_after_and_the_stream_opens_with_the_newest_change_seen()
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();
        factory.Profiles.Unavailable = true;
        factory.Hub.Publish(Profiles.Change("tour-1", 9));

        using var live = await http.GetAsync("/v1/products/tour-1/live");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, live.StatusCode);
        Assert.Equal("application/problem+json", live.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(5), live.Headers.RetryAfter?.Delta);

        await using (var stream = await SseReader.OpenAsync(http, "/v1/products/tour-1/live/stream"))
        {
            var first = await stream.NextEventAsync();
            Assert.Equal(9, first.Version);
            Assert.Equal(9, first.Json.GetProperty("bookings_last_hour").GetInt64());
        }

        using var none = await http.GetAsync("/v1/products/tour-2/live/stream", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, none.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), none.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task Live_and_just_booked_streams_share_the_subscriber_maximum()
    {
        using var factory = new WidgetGatewayFactory { Settings = { ["Widgets:MaxSubscribers"] = "1" } };
        using var http = factory.CreateClient();
        await using (var live = await SseReader.OpenAsync(http, "/v1/products/tour-1/live/stream"))
        {
            await live.NextEventAsync();
            using var refused = await http.GetAsync("/v1/just-booked/stream", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(10), refused.Headers.RetryAfter?.Delta);
        }
    }

    [Fact]
    public async Task The_widget_script_is_javascript_readable_from_any_origin()
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();

        using var response = await http.GetAsync("/widgets/just-booked.js");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("/live/stream", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_live_profile_etag_is_the_same_for_the_same_profile_and_304_has_no_body()
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();
        factory.Profiles.Set(Profiles.WithBookings("tour-1", 1));

        using var first = await http.GetAsync("/v1/products/tour-1/live");
        using var second = await http.GetAsync("/v1/products/tour-1/live");
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);

        using var any = new HttpRequestMessage(HttpMethod.Get, "/v1/products/tour-1/live");
        any.Headers.TryAddWithoutValidation("If-None-Match", "*");
        using var notModified = await http.SendAsync(any);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        using var garbage = new HttpRequestMessage(HttpMethod.Get, "/v1/products/tour-1/live");
        garbage.Headers.TryAddWithoutValidation("If-None-Match", "not an etag");
        using var full = await http.SendAsync(garbage);
        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        Assert.Equal(1, JsonDocument.Parse(await full.Content.ReadAsStringAsync()).RootElement.GetProperty("bookings_last_hour").GetInt64());
    }
}
