using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Time.Testing;

namespace Streaming.Kafka.Tests;

[Collection(LocalKafkaCollection.Name)]
public sealed class DeadLetterTests(LocalKafka kafka)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_dead_letter_is_snake_case_json_with_the_payload_in_base64()
    {
        var letter = new DeadLetter("bookings", "empty record", "u1", Convert.ToBase64String("{x"u8), "events", 3, 42, Now);
        using var json = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(letter, DeadLetterJsonContext.Default.DeadLetter));
        Assert.Equal(
            """{"source":"bookings","reason":"empty record","key":"u1","payload":"e3g=","topic":"events","partition":3,"offset":42,"at":"2026-11-21T10:00:00+00:00"}""",
            json.RootElement.GetRawText());
    }

    [Fact]
    public void The_writer_puts_the_record_its_origin_and_the_reason_on_the_dead_letter_topic()
    {
        var clients = kafka.CreateClients(Topics.DeadLetter);
        var clock = new FakeTimeProvider(Now);
        using (var producer = clients.CreateProducer("dead-letter-test"))
        {
            var writer = new DeadLetterWriter(producer, clients.Options, "sink.bookings", clock);
            writer.Write(Consumed("metrics.bookings", 2, 17, "k-1", "{not json"u8.ToArray()), "not a valid BookingsPerMinute: bad");
            clock.Advance(TimeSpan.FromSeconds(5));
            writer.Write(Consumed("events", 0, 3, null, null), "empty record");
            producer.FlushAndThrowIfFailed(TimeSpan.FromSeconds(30));
            Assert.Equal(2, writer.Written);
        }

        var letters = LocalKafka.Read(clients, Topics.DeadLetter, 2, TimeSpan.FromSeconds(30))
            .Select(r => (r.Message.Key, Letter: JsonSerializer.Deserialize(r.Message.Value, DeadLetterJsonContext.Default.DeadLetter)!))
            .ToList();
        Assert.Equal(
            [
                ("k-1", new DeadLetter("sink.bookings", "not a valid BookingsPerMinute: bad", "k-1", Convert.ToBase64String("{not json"u8), "metrics.bookings", 2, 17, Now)),
                ((string?)null, new DeadLetter("sink.bookings", "empty record", null, "", "events", 0, 3, Now.AddSeconds(5))),
            ],
            letters);
        Assert.Equal("{not json", Encoding.UTF8.GetString(Convert.FromBase64String(letters[0].Letter.Payload)));
    }

    private static ConsumeResult<string, byte[]> Consumed(string topic, int partition, long offset, string? key, byte[]? value) => new()
    {
        TopicPartitionOffset = new TopicPartitionOffset(topic, partition, offset),
        Message = new Message<string, byte[]> { Key = key!, Value = value! },
    };
}
