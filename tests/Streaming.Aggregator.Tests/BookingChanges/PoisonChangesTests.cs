using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.Kafka.Tests;
using Streaming.LocalServers;
using static Streaming.Aggregator.Tests.BookingChanges.DebeziumPayloads;

namespace Streaming.Aggregator.Tests.BookingChanges;

/// <summary>
/// The aggregator in CDC mode against a local Kafka, given the change events that used to stop it (issue 17): an op
/// that is an escaped lone surrogate, a string with invalid UTF-8, and an 800 KB change whose dead letter would
/// exceed Kafka's message size. Each is dead-lettered with its reason, the process keeps running, and the changes
/// around them become exactly their booking events.
/// </summary>
public sealed class PoisonChangesTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Poison_changes_are_dead_lettered_and_the_changes_around_them_are_translated()
    {
        using var kafka = LocalKafkaCluster.Start(1, Topics.DefaultPartitions);
        using var factory = new AggregatorFactory(new Dictionary<string, string>
        {
            ["Kafka:BootstrapServers"] = kafka.BootstrapServers,
            ["Bookings:Source"] = BookingsOptions.FromCdc,
            ["Aggregator:GroupPrefix"] = "agg-poison",
        });
        using var http = factory.CreateClient();
        var lifetime = factory.Services.GetRequiredService<IHostApplicationLifetime>();
        var at = DateTimeOffset.UtcNow.AddMinutes(-1);
        byte[] Confirmed(long id) => Bytes(Envelope("c", null, Row(id, "confirmed", at, user: "u-" + id), Connector.PostgreSql));
        var huge = Envelope("c", null, Row(3, "confirmed", at), Connector.PostgreSql);
        huge["after"]!["user_id"] = null;
        huge["padding"] = new string('x', 800_000);
        byte[] invalidUtf8 = [.. "{\"op\":\"c\",\"after\":{\"booking_id\":\"b"u8, 0xFF, 0xC0, .. "\"}}"u8];
        byte[][] changes =
        [
            Confirmed(1),
            Encoding.UTF8.GetBytes("""{"op":"\ud800","after":{}}"""),
            Confirmed(2),
            invalidUtf8,
            Bytes(huge),
            Confirmed(4),
        ];
        var clients = new KafkaClients(Options.Create(new KafkaOptions { BootstrapServers = kafka.BootstrapServers }));
        using (var producer = clients.CreateProducer("cdc-test"))
        {
            foreach (var change in changes)
            {
                producer.Send(new TopicPartition(Topics.CdcBookings, 0), "bookings", change);
            }

            producer.FlushAndThrowIfFailed(Timeout);
        }

        var events = LocalKafka.Read(clients, Topics.Events, 3, Timeout)
            .Select(r => JsonSerializer.Deserialize(r.Message.Value, EventJsonContext.Default.AppEvent)!)
            .OrderBy(e => e.EventId, StringComparer.Ordinal)
            .ToList();
        Assert.Equal(
            [("booking:1:confirmed", "u-1"), ("booking:2:confirmed", "u-2"), ("booking:4:confirmed", "u-4")],
            events.Select(e => (e.EventId, e.UserId)));

        var letters = LocalKafka.Read(clients, Topics.DeadLetter, 3, Timeout)
            .Select(r => JsonSerializer.Deserialize(r.Message.Value, DeadLetterJsonContext.Default.DeadLetter)!)
            .OrderBy(l => l.Offset)
            .ToList();
        Assert.All(letters, l => Assert.Equal((Topics.CdcBookings, "agg-poison.bookings-cdc"), (l.Topic, l.Source)));
        Assert.Equal([1L, 3, 4], letters.Select(l => l.Offset));
        Assert.Contains("not valid Unicode text", letters[0].Reason, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(letters[1].Reason));
        Assert.Equal("after.user_id is missing", letters[2].Reason);
        Assert.Equal(changes[4].Length, letters[2].PayloadSize);
        Assert.Equal(changes[4].AsSpan(0, new KafkaOptions().DeadLetterMaxPayloadBytes).ToArray(), Convert.FromBase64String(letters[2].Payload));

        // The status endpoint counts them by stage and reason class.
        using var status = JsonDocument.Parse(await http.GetStringAsync("/v1/status"));
        var counts = status.RootElement.GetProperty("dead_letters").EnumerateArray()
            .Select(c => (c.GetProperty("stage").GetString(), c.GetProperty("reason").GetString(), c.GetProperty("count").GetInt64()))
            .Where(c => c.Item1 == "agg-poison.bookings-cdc");
        Assert.Equal([("agg-poison.bookings-cdc", DeadLetterReasons.Rejected, 3L)], counts);

        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "the aggregator must keep running");
    }
}
