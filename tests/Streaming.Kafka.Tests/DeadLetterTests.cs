using System.Security.Cryptography;
using System.Text;
using Streaming.Kafka.Telemetry;
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
                ("k-1", new DeadLetter("sink.bookings", "not a valid BookingsPerMinute: bad", "k-1", Convert.ToBase64String("{not json"u8), "metrics.bookings", 2, 17, Now, DeadLetterReasons.Rejected)),
                ((string?)null, new DeadLetter("sink.bookings", "empty record", null, "", "events", 0, 3, Now.AddSeconds(5), DeadLetterReasons.Rejected)),
            ],
            letters);
        Assert.Equal("{not json", Encoding.UTF8.GetString(Convert.FromBase64String(letters[0].Letter.Payload)));
    }

    [Fact]
    public void A_letter_carries_at_most_the_configured_payload_with_the_original_size_and_hash()
    {
        var value = RandomNumberGenerator.GetBytes(800_000);
        var letter = DeadLetterWriter.Letter("cdc", "cdc.bookings", 1, 9, new string('k', 5000), value, new string('r', 50_000), DeadLetterReasons.Rejected, Now, 65536);

        Assert.Equal(value.AsSpan(0, 65536).ToArray(), Convert.FromBase64String(letter.Payload));
        Assert.Equal(800_000, letter.PayloadSize);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(value)), letter.PayloadSha256);
        Assert.Equal(DeadLetterWriter.MaxReasonLength, letter.Reason.Length);
        Assert.EndsWith("…", letter.Reason, StringComparison.Ordinal);
        Assert.Equal(DeadLetterWriter.MaxKeyLength, letter.Key!.Length);
        Assert.True(JsonSerializer.SerializeToUtf8Bytes(letter, DeadLetterJsonContext.Default.DeadLetter).Length < 100_000);

        var largest = DeadLetterWriter.Letter("cdc", "cdc.bookings", 1, 9, new string('k', 5000), value, new string('r', 50_000), DeadLetterReasons.Rejected, Now, 524288);
        Assert.True(JsonSerializer.SerializeToUtf8Bytes(largest, DeadLetterJsonContext.Default.DeadLetter).Length < 1_000_000, "the largest bound keeps a letter under 1 MB");
    }

    [Fact]
    public void A_payload_within_the_bound_is_whole_and_the_letter_names_no_size()
    {
        var letter = DeadLetterWriter.Letter("cdc", "cdc.bookings", 1, 9, null, "{}"u8.ToArray(), "x", DeadLetterReasons.Rejected, Now, 1024);
        Assert.Equal((Convert.ToBase64String("{}"u8), (long?)null, (string?)null), (letter.Payload, letter.PayloadSize, letter.PayloadSha256));
    }

    [Fact]
    public void A_reason_with_a_lone_surrogate_and_a_cut_surrogate_pair_still_serializes()
    {
        var reason = "op '\\ud800' " + '\ud800' + new string('x', DeadLetterWriter.MaxReasonLength - 16) + "\ud83d\ude00\ud83d\ude00";
        var letter = DeadLetterWriter.Letter("cdc", "cdc.bookings", 0, 1, "\udc00", [], reason, DeadLetterReasons.Rejected, Now, 1024);
        using var json = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(letter, DeadLetterJsonContext.Default.DeadLetter));
        Assert.EndsWith("…", json.RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_writer_writes_the_letter_of_a_record_larger_than_a_Kafka_message_and_counts_it_by_reason_class()
    {
        var clients = kafka.CreateClients(Topics.DeadLetter);
        var stage = "dead-letter-big-" + Guid.NewGuid().ToString("N")[..6];
        var value = new byte[1_500_000];
        using (var producer = clients.CreateProducer(stage))
        {
            var writer = new DeadLetterWriter(producer, clients.Options, stage, TimeProvider.System);
            writer.Write(Consumed("cdc.bookings", 0, 5, "k", value), "after.user_id is missing");
            writer.Write(Consumed("cdc.bookings", 0, 6, "k", [1]), "FormatException: bad", DeadLetterReasons.Exception);
            producer.FlushAndThrowIfFailed(TimeSpan.FromSeconds(30));
        }

        var letters = LocalKafka.Read(clients, Topics.DeadLetter, 2, TimeSpan.FromSeconds(30))
            .Select(r => JsonSerializer.Deserialize(r.Message.Value, DeadLetterJsonContext.Default.DeadLetter)!)
            .OrderBy(l => l.Offset)
            .ToList();
        Assert.Equal([(5L, (long?)1_500_000, DeadLetterReasons.Rejected), (6L, null, DeadLetterReasons.Exception)],
            letters.Select(l => (l.Offset, l.PayloadSize, l.ReasonClass!)));
        Assert.Equal(
            [new DeadLetterCount(stage, DeadLetterReasons.Exception, 1), new DeadLetterCount(stage, DeadLetterReasons.Rejected, 1)],
            StageCounters.DeadLetterCounts().Where(c => c.Stage == stage));
    }

    [Fact]
    public void Stages_that_share_a_producer_count_their_letters_apart()
    {
        var clients = kafka.CreateClients(Topics.DeadLetter);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var (shared, first, second) = ("process-" + suffix, "feed-a-" + suffix, "feed-b-" + suffix);
        using (var producer = clients.CreateProducer(shared))
        {
            new DeadLetterWriter(producer, clients.Options, first, TimeProvider.System).Write(Consumed("events", 0, 1, "k", [1]), "unreadable");
            var other = new DeadLetterWriter(producer, clients.Options, second, TimeProvider.System);
            other.Write(Consumed("events", 1, 2, "k", [2]), "unreadable");
            other.Write(Consumed("events", 1, 3, "k", [3]), "FormatException: bad", DeadLetterReasons.Exception);
            producer.FlushAndThrowIfFailed(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(
            [
                new DeadLetterCount(first, DeadLetterReasons.Rejected, 1),
                new DeadLetterCount(second, DeadLetterReasons.Exception, 1),
                new DeadLetterCount(second, DeadLetterReasons.Rejected, 1),
            ],
            StageCounters.DeadLetterCounts().Where(c => c.Stage.EndsWith(suffix, StringComparison.Ordinal)));
    }

    [Fact]
    public void The_writer_writes_to_the_topic_it_is_given()
    {
        var clients = kafka.CreateClients(Topics.PushDeadLetter);
        using (var producer = clients.CreateProducer("push-delivery-test"))
        {
            var writer = new DeadLetterWriter(producer, clients.Options, "push-delivery", TimeProvider.System, Topics.PushDeadLetter);
            writer.Write(clients.Options.Name(Topics.PushCommands), 0, 7, "u1", "{}"u8.ToArray(), "503 after 6 attempts", DeadLetterReasons.Undeliverable);
            producer.FlushAndThrowIfFailed(TimeSpan.FromSeconds(30));
        }

        var letter = JsonSerializer.Deserialize(Assert.Single(LocalKafka.Read(clients, Topics.PushDeadLetter, 1, TimeSpan.FromSeconds(30))).Message.Value,
            DeadLetterJsonContext.Default.DeadLetter)!;
        Assert.Equal(("push-delivery", 7L, DeadLetterReasons.Undeliverable, "503 after 6 attempts"), (letter.Source, letter.Offset, letter.ReasonClass!, letter.Reason));
    }

    private static ConsumeResult<string, byte[]> Consumed(string topic, int partition, long offset, string? key, byte[]? value) => new()
    {
        TopicPartitionOffset = new TopicPartitionOffset(topic, partition, offset),
        Message = new Message<string, byte[]> { Key = key!, Value = value! },
    };
}
