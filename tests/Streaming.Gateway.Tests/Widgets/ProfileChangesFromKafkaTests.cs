using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Streaming.Gateway.Widgets;
using Streaming.Kafka;
using Streaming.LocalServers;
using Streaming.Profiles.Contracts;

namespace Streaming.Gateway.Tests.Widgets;

/// <summary>The gateway reading profile-changes from the local Kafka, as the silo writes them.</summary>
public sealed class ProfileChangesFromKafkaTests
{
    [Fact]
    public async Task A_booking_change_on_the_topic_reaches_a_subscriber_within_2_s_and_the_just_booked_feed()
    {
        using var kafka = LocalKafkaCluster.Start(1, new Dictionary<string, int> { [Topics.ProfileChanges] = 3 });
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        var now = DateTimeOffset.UtcNow;
        // Written before the gateway starts: it reads the last 24 h at start-up.
        await ProduceAsync(producer, new ProfileChange(
            Profiles.WithBookings("tour-0", 1, now.AddMinutes(-10), "Seoul"), 1, 0, 1, now, [new("e0", "tour-0", now.AddMinutes(-10), "Seoul", "tour")]));

        using var factory = new WidgetGatewayFactory { Settings = { ["Kafka:BootstrapServers"] = kafka.BootstrapServers } };
        factory.Time.SetUtcNow(now);
        using var http = factory.CreateClient();
        await factory.Services.GetRequiredService<ProfileChangesConsumer>().Assigned.WaitAsync(TimeSpan.FromSeconds(30));
        await using var stream = await SseReader.OpenAsync(http, "/v1/products/tour-1/live/stream");
        Assert.Equal(0, (await stream.NextEventAsync()).Json.GetProperty("bookings_last_hour").GetInt64());

        // Past the opening event's second, so the change may go out at once.
        factory.Time.Advance(TimeSpan.FromSeconds(1));
        var booking = new BookingEntry("e1", "tour-1", now, "Busan", "tour");
        await ProduceAsync(producer, new ProfileChange(Profiles.WithBookings("tour-1", 1, now, "Busan"), 4, 1, 17, now, [booking]));

        var change = await stream.NextEventAsync(TimeSpan.FromSeconds(2));
        Assert.Equal(4, change.Version);
        Assert.Equal("Busan", change.Json.GetProperty("last_booked_city").GetString());
        var justBooked = JsonDocument.Parse(await http.GetStringAsync("/v1/just-booked")).RootElement.GetProperty("bookings");
        Assert.Equal(["tour-1", "tour-0"], justBooked.EnumerateArray().Select(b => b.GetProperty("product_id").GetString()));
    }

    private static Task ProduceAsync(IProducer<string, byte[]> producer, ProfileChange change) =>
        producer.ProduceAsync(Topics.ProfileChanges, new Message<string, byte[]>
        {
            Key = change.Profile.ProductId,
            Value = JsonSerializer.SerializeToUtf8Bytes(change, ProfilesJsonContext.Default.ProfileChange),
        });
}
