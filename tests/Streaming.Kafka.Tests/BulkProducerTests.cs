using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Streaming.LocalServers;

namespace Streaming.Kafka.Tests;

[Collection(LocalKafkaCollection.Name)]
public sealed class BulkProducerTests(LocalKafka kafka)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset At = new(2026, 11, 23, 10, 15, 30, 123, TimeSpan.Zero);

    [Fact]
    public void What_is_sent_is_read_back_key_value_source_position_and_timestamp_in_send_order_per_key()
    {
        var clients = kafka.CreateClients(Topics.ProductEvents);
        using (var producer = clients.CreateBulkProducer("bulk-test", clients.Options.Name(Topics.ProductEvents), TimeSpan.FromMilliseconds(5)))
        {
            for (var i = 0; i < 40; i++)
            {
                producer.Send("p" + (i % 4), Encoding.UTF8.GetBytes(i.ToString(CultureInfo.InvariantCulture)), new SourcePosition(i % 3, 1000 + i), At.AddSeconds(i));
            }

            producer.Send("p-empty", [], new SourcePosition(7, 7), At);
            producer.FlushAndThrowIfFailed(Timeout);
        }

        var records = LocalKafka.Read(clients, Topics.ProductEvents, 41, Timeout);
        var empty = Assert.Single(records, r => r.Message.Key == "p-empty");
        Assert.NotNull(empty.Message.Value);
        Assert.Empty(empty.Message.Value);
        foreach (var byKey in records.Where(r => r.Message.Key != "p-empty").GroupBy(r => r.Message.Key))
        {
            Assert.Single(byKey.Select(r => r.Partition.Value).Distinct());
            var expected = Enumerable.Range(0, 40).Where(i => "p" + (i % 4) == byKey.Key).ToList();
            var inOrder = byKey.OrderBy(r => r.Offset.Value).ToList();
            Assert.Equal(expected, inOrder.Select(r => int.Parse(Encoding.UTF8.GetString(r.Message.Value), CultureInfo.InvariantCulture)));
            Assert.Equal(expected.Select(i => (SourcePosition?)new SourcePosition(i % 3, 1000 + i)), inOrder.Select(r => SourcePosition.From(r.Message.Headers)));
            Assert.Equal(expected.Select(i => At.AddSeconds(i).ToUnixTimeMilliseconds()), inOrder.Select(r => r.Message.Timestamp.UnixTimestampMs));
            Assert.All(inOrder, r => Assert.Equal(TimestampType.CreateTime, r.Message.Timestamp.Type));
            Assert.All(inOrder, r => Assert.Single(r.Message.Headers)); // only the position without a sampled activity
        }
    }

    [Fact]
    public void A_key_lands_in_the_partition_the_fleet_producer_picks_for_it()
    {
        // The readers of a repartition topic count each key in one task: both producers must agree on its partition.
        var clients = kafka.CreateClients(Topics.ProductEvents);
        var topic = clients.Options.Name(Topics.ProductEvents);
        var keys = Enumerable.Range(0, 50).Select(i => "product-" + i.ToString(CultureInfo.InvariantCulture)).ToList();
        using (var bulk = clients.CreateBulkProducer("bulk-test", topic, TimeSpan.FromMilliseconds(5)))
        using (var fleet = clients.CreateProducer("fleet-test"))
        {
            foreach (var key in keys)
            {
                bulk.Send(key, "bulk"u8.ToArray(), new SourcePosition(0, 0), At);
                fleet.Send(topic, key, "fleet"u8.ToArray());
            }

            bulk.FlushAndThrowIfFailed(Timeout);
            fleet.FlushAndThrowIfFailed(Timeout);
        }

        var partitions = LocalKafka.Read(clients, Topics.ProductEvents, 100, Timeout).GroupBy(r => r.Message.Key).ToList();
        Assert.Equal(50, partitions.Count);
        Assert.All(partitions, g => Assert.Single(g.Select(r => r.Partition.Value).Distinct()));
        Assert.True(partitions.Select(g => g.First().Partition.Value).Distinct().Count() > 1);
    }

    [Fact]
    public void Records_sent_under_a_sampled_activity_carry_its_trace_context()
    {
        var clients = kafka.CreateClients(Topics.ProductEvents);
        using (var activity = new Activity("process").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            activity.ActivityTraceFlags = ActivityTraceFlags.Recorded;
            activity.TraceStateString = "vendor=1";
            using var producer = clients.CreateBulkProducer("bulk-test", clients.Options.Name(Topics.ProductEvents), TimeSpan.FromMilliseconds(5));
            producer.Send("p1", "v"u8.ToArray(), new SourcePosition(1, 2), At);
            producer.FlushAndThrowIfFailed(Timeout);

            var record = Assert.Single(LocalKafka.Read(clients, Topics.ProductEvents, 1, Timeout));
            Assert.Equal(new SourcePosition(1, 2), SourcePosition.From(record.Message.Headers));
            Assert.Equal(activity.Id, Encoding.UTF8.GetString(record.Message.Headers.GetLastBytes("traceparent")));
            Assert.Equal("vendor=1", Encoding.UTF8.GetString(record.Message.Headers.GetLastBytes("tracestate")));
        }
    }

    [Fact]
    public void A_full_local_queue_makes_send_wait_instead_of_failing()
    {
        var clients = kafka.CreateClients(Topics.ProductEvents);
        using (var producer = new BulkProducer(clients.Options, "bulk-test", clients.Options.Name(Topics.ProductEvents), TimeSpan.FromMilliseconds(5),
            new Dictionary<string, string> { ["queue.buffering.max.messages"] = "5" }))
        {
            for (var i = 0; i < 300; i++)
            {
                producer.Send("k", BitConverter.GetBytes(i), new SourcePosition(0, i), At);
            }

            producer.FlushAndThrowIfFailed(Timeout);
        }

        var values = LocalKafka.Read(clients, Topics.ProductEvents, 300, Timeout).Select(r => BitConverter.ToInt32(r.Message.Value));
        Assert.Equal(Enumerable.Range(0, 300), values);
    }

    [Fact]
    public void Flush_throws_when_a_record_was_not_delivered()
    {
        using var producer = Unreachable(messageTimeoutMs: 300);
        producer.Send("u1", [1], new SourcePosition(0, 1), At);
        producer.Send("u2", [2], new SourcePosition(0, 2), At);

        var error = Assert.Throws<UndeliveredOutputException>(() => producer.FlushAndThrowIfFailed(Timeout));
        Assert.StartsWith("2 records were not delivered, first: Local_MsgTimedOut: ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("(topic product-events); stopping before committing.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Flush_throws_when_records_are_still_on_their_way_at_the_deadline()
    {
        using var producer = Unreachable(messageTimeoutMs: 2000);
        producer.Send("u1", [1], new SourcePosition(0, 1), At);

        var error = Assert.Throws<UndeliveredOutputException>(() => producer.FlushAndThrowIfFailed(TimeSpan.FromMilliseconds(200)));
        Assert.Equal("1 records still undelivered after 0 s; stopping before committing.", error.Message);
    }

    /// <summary>A producer whose broker address has nothing listening: every record times out undelivered.</summary>
    private static BulkProducer Unreachable(int messageTimeoutMs) =>
        new(new KafkaOptions { BootstrapServers = "127.0.0.1:" + LoopbackPorts.Free() }, "bulk-test", Topics.ProductEvents, TimeSpan.FromMilliseconds(5),
            new Dictionary<string, string>
            {
                ["message.timeout.ms"] = messageTimeoutMs.ToString(CultureInfo.InvariantCulture),
                ["reconnect.backoff.max.ms"] = "100",
                ["log_level"] = "0", // nothing listens there, by design: no connection errors on the console
            });
}
