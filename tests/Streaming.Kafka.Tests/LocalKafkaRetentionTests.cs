using Confluent.Kafka;

namespace Streaming.Kafka.Tests;

/// <summary>The limit tools/Streaming.LocalServers/README.md states, measured on the mock cluster of the librdkafka in use.</summary>
[Collection(LocalKafkaCollection.Name)]
public sealed class LocalKafkaRetentionTests(LocalKafka kafka)
{
    [Fact]
    public void The_local_Kafka_keeps_the_newest_5_MiB_of_each_partition()
    {
        const int ValueBytes = 1000;
        const int Sent = 8000;
        var clients = kafka.CreateClients(Topics.Events);
        var partition = new TopicPartition(clients.Options.Name(Topics.Events), 0);
        // One record per batch, so each stored batch has a known size: the value plus about 70 bytes of framing.
        var config = new ProducerConfig { BootstrapServers = kafka.BootstrapServers, BatchNumMessages = 1, LingerMs = 0 };
        using (var producer = new ProducerBuilder<string, byte[]>(config).Build())
        {
            for (var i = 0; i < Sent; i++)
            {
                producer.Produce(partition, new Message<string, byte[]> { Value = new byte[ValueBytes] });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        using var reader = clients.CreateConsumerBuilder("retention-" + Guid.NewGuid().ToString("N"), "retention").Build();
        var marks = reader.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10));
        var kept = marks.High.Value - marks.Low.Value;
        Assert.Equal(Sent, marks.High.Value);
        // 2.16 keeps 4,899 such records: 5 MiB / (1,000 + 70) bytes; the oldest are dropped as new ones arrive.
        Assert.InRange(kept, 4_800, 5_000);
    }
}
