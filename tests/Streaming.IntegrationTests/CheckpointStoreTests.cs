using System.Buffers.Binary;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Streaming.Kafka;
using Streaming.LocalServers;
using Streaming.Topology.Kafka;

namespace Streaming.IntegrationTests;

/// <summary>Checkpoints against the local Kafka: larger than a record, and whole after a crash mid-write.</summary>
public sealed class CheckpointStoreTests
{
    [Fact]
    public void A_checkpoint_larger_than_a_record_reads_back_whole_and_a_torn_later_write_leaves_it_readable()
    {
        using var cluster = LocalKafkaCluster.Start(1, Topics.DefaultPartitions);
        var kafka = new KafkaClients(Options.Create(new KafkaOptions { BootstrapServers = cluster.BootstrapServers }));
        using var producer = kafka.CreateProducer("checkpoint-test");
        var store = new CheckpointStore(kafka, producer);
        var input = new TopicPartition(Topics.Events, 2);
        var random = new Random(1);
        var first = new byte[3 * 1024 * 1024]; // random bytes do not compress: several chunks
        random.NextBytes(first);
        var second = new byte[200_000];
        random.NextBytes(second);

        Assert.Null(store.ReadLatest("task-a", input, TimeSpan.FromSeconds(30)));
        store.Write("task-a", input, first);
        store.Write("task-b", input, second); // another task in the same partition
        producer.FlushAndThrowIfFailed(TimeSpan.FromSeconds(30));
        Assert.Equal(first, new CheckpointStore(kafka, producer).ReadLatest("task-a", input, TimeSpan.FromSeconds(30)));

        // A crash while writing the next checkpoint: its first chunk is stored, its manifest never is.
        var generation = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(generation, 2);
        producer.Send(new TopicPartition(kafka.Options.Name(Topics.Checkpoints), 2 % kafka.Options.CheckpointPartitions),
            "task-a#0#0", [1, 2, 3], new Headers { { "ckpt-generation", generation } });
        producer.FlushAndThrowIfFailed(TimeSpan.FromSeconds(10));
        var restored = new CheckpointStore(kafka, producer);
        Assert.Equal(first, restored.ReadLatest("task-a", input, TimeSpan.FromSeconds(30)));
        Assert.Equal(second, restored.ReadLatest("task-b", input, TimeSpan.FromSeconds(30)));

        // The next write goes to the other slot, over the torn chunks, and reads back.
        restored.Write("task-a", input, second);
        producer.FlushAndThrowIfFailed(TimeSpan.FromSeconds(30));
        Assert.Equal(second, new CheckpointStore(kafka, producer).ReadLatest("task-a", input, TimeSpan.FromSeconds(30)));
    }
}
