using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Streaming.LocalServers;

namespace Streaming.Kafka.Tests;

[Collection(LocalKafkaCollection.Name)]
public sealed class RecordProducerTests(LocalKafka kafka)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void What_is_sent_is_read_back_key_value_headers_and_timestamp()
    {
        var clients = kafka.CreateClients(Topics.Events);
        var topic = clients.Options.Name(Topics.Events);
        var at = new DateTimeOffset(2026, 11, 21, 10, 15, 30, 123, TimeSpan.Zero);
        using (var producer = clients.CreateProducer("producer-test"))
        {
            producer.Send(topic, "u1", "first"u8.ToArray(), new Headers { { "traceparent", "00-trace-01"u8.ToArray() } }, at);
            producer.Send(new TopicPartition(topic, 4), null, "second"u8.ToArray());
            producer.FlushAndThrowIfFailed(Timeout);
        }

        var records = LocalKafka.Read(clients, Topics.Events, 2, Timeout);
        var first = Assert.Single(records, r => r.Message.Key == "u1");
        Assert.Equal("first", Encoding.UTF8.GetString(first.Message.Value));
        Assert.Equal("00-trace-01", Encoding.UTF8.GetString(first.Message.Headers.GetLastBytes("traceparent")));
        Assert.Equal(TimestampType.CreateTime, first.Message.Timestamp.Type);
        Assert.Equal(at.ToUnixTimeMilliseconds(), first.Message.Timestamp.UnixTimestampMs);

        var second = Assert.Single(records, r => r.Message.Key is null);
        Assert.Equal(4, second.Partition.Value);
        Assert.Equal("second", Encoding.UTF8.GetString(second.Message.Value));
        Assert.Empty(second.Message.Headers);
    }

    [Fact]
    public void Records_of_one_key_land_in_one_partition_in_send_order()
    {
        var clients = kafka.CreateClients(Topics.Events);
        var topic = clients.Options.Name(Topics.Events);
        using (var producer = clients.CreateProducer("producer-test"))
        {
            for (var i = 0; i < 20; i++)
            {
                producer.Send(topic, "u" + (i % 4), Encoding.UTF8.GetBytes(i.ToString(CultureInfo.InvariantCulture)));
            }

            producer.FlushAndThrowIfFailed(Timeout);
        }

        var byKey = LocalKafka.Read(clients, Topics.Events, 20, Timeout).GroupBy(r => r.Message.Key).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(4, byKey.Count);
        foreach (var (key, records) in byKey)
        {
            Assert.Single(records.Select(r => r.Partition.Value).Distinct());
            var expected = Enumerable.Range(0, 20).Where(i => "u" + (i % 4) == key).Select(i => i.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(expected, records.OrderBy(r => r.Offset.Value).Select(r => Encoding.UTF8.GetString(r.Message.Value)));
        }
    }

    [Fact]
    public void A_full_local_queue_makes_send_wait_instead_of_failing()
    {
        var clients = kafka.CreateClients(Topics.DeadLetter);
        var topic = clients.Options.Name(Topics.DeadLetter);
        var config = new ProducerConfig { BootstrapServers = kafka.BootstrapServers, QueueBufferingMaxMessages = 5, LingerMs = 5 };
        using (var producer = new RecordProducer(new ProducerBuilder<string, byte[]>(config).Build()))
        {
            for (var i = 0; i < 300; i++)
            {
                producer.Send(topic, "k", BitConverter.GetBytes(i));
            }

            producer.FlushAndThrowIfFailed(Timeout);
        }

        var values = LocalKafka.Read(clients, Topics.DeadLetter, 300, Timeout).Select(r => BitConverter.ToInt32(r.Message.Value));
        Assert.Equal(Enumerable.Range(0, 300), values);
    }

    [Fact]
    public void Flush_throws_when_a_record_was_not_delivered()
    {
        using var producer = Unreachable(messageTimeoutMs: 300);
        producer.Send("events", "u1", [1]);
        producer.Send("events", "u2", [2]);

        var error = Assert.Throws<UndeliveredOutputException>(() => producer.FlushAndThrowIfFailed(Timeout));
        Assert.StartsWith("2 records were not delivered, first: Local_MsgTimedOut: ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("(topic events); stopping before committing.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Flush_throws_when_records_are_still_on_their_way_at_the_deadline()
    {
        using var producer = Unreachable(messageTimeoutMs: 2000);
        producer.Send("events", "u1", [1]);

        var error = Assert.Throws<UndeliveredOutputException>(() => producer.FlushAndThrowIfFailed(TimeSpan.FromMilliseconds(200)));
        Assert.Equal("1 records still undelivered after 0 s; stopping before committing.", error.Message);
    }

    [Fact]
    public async Task An_acknowledged_send_throws_when_kafka_does_not_acknowledge()
    {
        using var producer = Unreachable(messageTimeoutMs: 300);
        var error = await Assert.ThrowsAsync<ProduceException<string, byte[]>>(
            () => producer.SendAndAcknowledgeAsync("events", "u1", [1], DateTimeOffset.UtcNow, CancellationToken.None));
        Assert.Equal(ErrorCode.Local_MsgTimedOut, error.Error.Code);
    }

    /// <summary>A producer whose broker address has nothing listening: every record times out undelivered.</summary>
    private static RecordProducer Unreachable(int messageTimeoutMs)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = "127.0.0.1:" + LoopbackPorts.Free(),
            MessageTimeoutMs = messageTimeoutMs,
            ReconnectBackoffMaxMs = 100,
        };
        return new RecordProducer(new ProducerBuilder<string, byte[]>(config).SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build());
    }
}
