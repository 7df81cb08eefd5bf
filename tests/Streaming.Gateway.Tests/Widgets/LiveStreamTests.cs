using System.Net;

namespace Streaming.Gateway.Tests.Widgets;

public sealed class LiveStreamTests
{
    [Fact]
    public async Task The_stream_starts_with_the_grains_profile_then_sends_each_change()
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();
        factory.Profiles.Set(Profiles.WithBookings("tour-1", 7));
        factory.Hub.Publish(Profiles.Change("tour-1", 5));

        await using var stream = await SseReader.OpenAsync(http, "/v1/products/tour-1/live/stream");

        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType?.MediaType);
        var first = await stream.NextEventAsync();
        Assert.Equal("profile", first.Event);
        Assert.Equal(7, first.Json.GetProperty("bookings_last_hour").GetInt64());
        Assert.Equal(5, first.Version);

        factory.Time.Advance(TimeSpan.FromSeconds(1));
        factory.Hub.Publish(Profiles.Change("tour-1", 8));
        var change = await stream.NextEventAsync(TimeSpan.FromSeconds(2));
        Assert.Equal("profile", change.Event);
        Assert.Equal(8, change.Version);
        Assert.Equal(8, change.Json.GetProperty("bookings_last_hour").GetInt64());

        // Another product's change and a replayed version do not reach this stream.
        factory.Time.Advance(TimeSpan.FromSeconds(1));
        factory.Hub.Publish(Profiles.Change("tour-2", 9));
        factory.Hub.Publish(Profiles.Change("tour-1", 8));
        factory.Hub.Publish(Profiles.Change("tour-1", 10));
        Assert.Equal(10, (await stream.NextEventAsync(TimeSpan.FromSeconds(2))).Version);
    }

    [Fact]
    public async Task A_reconnect_with_last_event_id_gets_the_missed_changes_and_nothing_twice()
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();
        List<long> received = [];
        await using (var stream = await SseReader.OpenAsync(http, "/v1/products/tour-1/live/stream"))
        {
            Assert.Null((await stream.NextEventAsync()).Id);
            factory.Time.Advance(TimeSpan.FromSeconds(1));
            factory.Hub.Publish(Profiles.Change("tour-1", 2));
            received.Add((await stream.NextEventAsync()).Version);
        }

        // Missed while disconnected (a replay of 2 among them).
        foreach (var version in new long[] { 2, 3, 5, 6 })
        {
            factory.Hub.Publish(Profiles.Change("tour-1", version));
        }

        await using (var resumed = await SseReader.OpenAsync(http, "/v1/products/tour-1/live/stream", lastEventId: received[^1].ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            for (var i = 0; i < 3; i++)
            {
                received.Add((await resumed.NextEventAsync()).Version);
            }

            factory.Time.Advance(TimeSpan.FromSeconds(1));
            factory.Hub.Publish(Profiles.Change("tour-1", 6));
            factory.Hub.Publish(Profiles.Change("tour-1", 7));
            received.Add((await resumed.NextEventAsync()).Version);
        }

        Assert.Equal([2, 3, 5, 6, 7], received);
    }

    [Fact]
    public async Task A_quiet_stream_gets_a_comment_line_every_keep_alive_interval()
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();
        await using var stream = await SseReader.OpenAsync(http, "/v1/products/tour-1/live/stream");
        await stream.NextEventAsync();

        factory.Time.Advance(TimeSpan.FromSeconds(14));
        factory.Hub.Publish(Profiles.Change("tour-1", 1));
        Assert.Null((await stream.NextAsync()).Comment);
        factory.Time.Advance(TimeSpan.FromSeconds(1));

        var keepAlive = await stream.NextAsync();
        Assert.Equal("keep-alive", keepAlive.Comment);
        factory.Time.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal("keep-alive", (await stream.NextAsync()).Comment);
    }

    [Fact]
    public async Task Changes_within_a_second_are_coalesced_into_the_newest()
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();
        await using var stream = await SseReader.OpenAsync(http, "/v1/products/tour-1/live/stream");
        await stream.NextEventAsync();
        factory.Time.Advance(TimeSpan.FromSeconds(1));
        factory.Hub.Publish(Profiles.Change("tour-1", 1));
        Assert.Equal(1, (await stream.NextEventAsync()).Version);
        var sentAt = factory.Time.GetUtcNow();

        factory.Hub.Publish(Profiles.Change("tour-1", 2));
        factory.Hub.Publish(Profiles.Change("tour-1", 3));
        factory.Hub.Publish(Profiles.Change("tour-1", 4));

        // The clock moves in steps; the next event may only come once a second has passed since the last one.
        SseItem? next = null;
        for (var step = 0; step < 20 && next is null; step++)
        {
            factory.Time.Advance(TimeSpan.FromMilliseconds(250));
            try
            {
                next = await stream.NextEventAsync(TimeSpan.FromMilliseconds(500));
                Assert.True(factory.Time.GetUtcNow() - sentAt >= TimeSpan.FromSeconds(1), "an event came within the second");
            }
            catch (TimeoutException)
            {
                // Not yet.
            }
        }

        Assert.Equal(4, next?.Version);
    }

    [Fact]
    public async Task A_change_right_after_the_opening_event_waits_for_the_second_to_pass()
    {
        using var factory = new WidgetGatewayFactory();
        using var http = factory.CreateClient();
        await using var stream = await SseReader.OpenAsync(http, "/v1/products/tour-1/live/stream");
        await stream.NextEventAsync();
        var openedAt = factory.Time.GetUtcNow();

        factory.Hub.Publish(Profiles.Change("tour-1", 1));
        factory.Time.Advance(TimeSpan.FromMilliseconds(900));
        await Assert.ThrowsAsync<TimeoutException>(() => stream.NextEventAsync(TimeSpan.FromMilliseconds(300)));
        factory.Time.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(1, (await stream.NextEventAsync()).Version);
        Assert.True(factory.Time.GetUtcNow() - openedAt >= TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Streams_beyond_the_configured_maximum_are_refused_with_503()
    {
        using var factory = new WidgetGatewayFactory { Settings = { ["Widgets:MaxSubscribers"] = "1" } };
        using var http = factory.CreateClient();
        await using var open = await SseReader.OpenAsync(http, "/v1/products/tour-1/live/stream");
        await open.NextEventAsync();

        using var refused = await http.GetAsync("/v1/products/tour-2/live/stream", HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
    }
}
