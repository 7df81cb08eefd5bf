using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Streaming.Gateway.Widgets;
using Streaming.Profiles.Contracts;

namespace Streaming.Gateway.Tests.Widgets;

/// <summary>Live streams per client address and their lifetime: one client cannot hold them all, and none lasts forever.</summary>
public sealed class StreamLimitsTests
{
    private const string Client = "203.0.113.7";
    private const string OtherClient = "198.51.100.4";

    [Fact]
    public async Task The_21st_stream_from_one_address_is_a_429_with_Retry_After_while_its_20_and_other_addresses_are_served()
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();
        var open = new List<SseReader>();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                var stream = await SseReader.OpenAsync(http, $"/v1/products/tour-{i % 3}/live/stream", clientAddress: Client);
                open.Add(stream);
                Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
                await stream.NextEventAsync();
            }

            using (var refused = await Send(http, "/v1/products/tour-1/live/stream", Client))
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
                Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
                Assert.NotNull(refused.Headers.RetryAfter?.Delta);
                var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
                Assert.Equal(429, problem.GetProperty("status").GetInt32());
                Assert.Contains("20", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }

            // The just-booked stream counts against the same cap.
            using (var refusedFeed = await Send(http, "/v1/just-booked/stream", Client))
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, refusedFeed.StatusCode);
            }

            // Another address is served, and the 20 keep receiving changes.
            await using var other = await SseReader.OpenAsync(http, "/v1/products/tour-1/live/stream", clientAddress: OtherClient);
            Assert.Equal(HttpStatusCode.OK, other.Response.StatusCode);
            await other.NextEventAsync();
            factory.Time.Advance(TimeSpan.FromSeconds(1));
            factory.Hub.Publish(Profiles.Change("tour-1", 3));
            foreach (var stream in open.Where((_, i) => i % 3 == 1))
            {
                Assert.Equal(3, (await stream.NextEventAsync()).Version);
            }

            // Closing one frees its slot for the same address.
            await open[0].DisposeAsync();
            open.RemoveAt(0);
            await Eventually(() => factory.Services.GetRequiredService<SubscriberSlots>().Open == 20);
            await using var again = await SseReader.OpenAsync(http, "/v1/products/tour-0/live/stream", clientAddress: Client);
            Assert.Equal(HttpStatusCode.OK, again.Response.StatusCode);
        }
        finally
        {
            foreach (var stream in open)
            {
                await stream.DisposeAsync();
            }
        }
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    public void An_IPv6_client_counts_by_its_64_and_a_mapped_IPv4_as_the_IPv4(string address, string key) =>
        Assert.Equal(key, SubscriberSlots.ClientKey(IPAddress.Parse(address)));

    [Fact]
    public async Task A_stream_ends_at_its_lifetime_and_the_reconnect_with_Last_Event_ID_resumes_with_nothing_lost_or_twice()
    {
        using var factory = new WidgetGatewayFactory { Settings = { ["Widgets:MaxStreamLifetime"] = "00:10:00" } };
        using var http = factory.CreateClient();
        factory.Hub.Publish(Profiles.Change("tour-1", 4));
        long lastId;
        await using (var stream = await SseReader.OpenAsync(http, "/v1/products/tour-1/live/stream"))
        {
            lastId = (await stream.NextEventAsync()).Version;
            Assert.Equal("2000", stream.Retry);
            Assert.False(stream.Ended.IsCompleted);

            // Not before 9 minutes (the lifetime less at most a tenth), at the latest after 10.
            factory.Time.Advance(TimeSpan.FromMinutes(9) - TimeSpan.FromSeconds(1));
            factory.Hub.Publish(Profiles.Change("tour-1", 5));
            lastId = (await stream.NextEventAsync()).Version;
            Assert.False(stream.Ended.IsCompleted);
            factory.Time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
            await stream.Ended.WaitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(0, factory.Services.GetRequiredService<SubscriberSlots>().Open);
        factory.Hub.Publish(Profiles.Change("tour-1", 6));
        await using var resumed = await SseReader.OpenAsync(
            http, "/v1/products/tour-1/live/stream", lastEventId: lastId.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(6, (await resumed.NextEventAsync()).Version);
        Assert.False(resumed.TryTake(out _));
    }

    [Fact]
    public async Task The_just_booked_stream_ends_at_its_lifetime_and_resumes_after_the_newest_booking_it_sent()
    {
        using var factory = new WidgetGatewayFactory { Settings = { ["Widgets:MaxStreamLifetime"] = "00:01:00" } };
        using var http = factory.CreateClient();
        var now = factory.Time.GetUtcNow();
        factory.JustBooked.Add([new BookingEntry("e1", "p1", now.AddMinutes(-5), "Busan", "tour")]);
        string lastId;
        await using (var stream = await SseReader.OpenAsync(http, "/v1/just-booked/stream"))
        {
            var first = await stream.NextEventAsync();
            Assert.Equal(now.AddMinutes(-5).ToUnixTimeMilliseconds(), first.Version);
            factory.JustBooked.Add([new BookingEntry("e2", "p2", now.AddMinutes(-1), "Busan", "tour")]);
            lastId = (await stream.NextEventAsync()).Id!;
            factory.Time.Advance(TimeSpan.FromMinutes(1));
            await stream.Ended.WaitAsync(TimeSpan.FromSeconds(10));
        }

        factory.JustBooked.Add([new BookingEntry("e3", "p3", now, "Seoul", "tour")]);
        await using var resumed = await SseReader.OpenAsync(http, "/v1/just-booked/stream", lastEventId: lastId);
        Assert.Equal("p3", (await resumed.NextEventAsync()).Json.GetProperty("product_id").GetString());
        Assert.False(resumed.TryTake(out _));
    }

    private static Task<HttpResponseMessage> Send(HttpClient http, string url, string clientAddress)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add(ClientAddressFromTestHeader.Header, clientAddress);
        return http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static async Task Eventually(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(20, deadline.Token);
        }
    }
}
