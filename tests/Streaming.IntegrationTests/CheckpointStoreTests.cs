using System.Buffers.Binary;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Streaming.Kafka;
using Streaming.LocalServers;
using Streaming.Topology.Kafka;
using Streaming.Topology.Processing;

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
        store.Write("task-a", input, State(first));
        store.Write("task-b", input, State(second)); // another task in the same partition
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
        restored.Write("task-a", input, State(second));
        producer.FlushAndThrowIfFailed(TimeSpan.FromSeconds(30));
        Assert.Equal(second, new CheckpointStore(kafka, producer).ReadLatest("task-a", input, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Segments_of_event_identities_are_written_once_read_with_every_later_state_and_deleted_when_dropped()
    {
        using var cluster = LocalKafkaCluster.Start(1, Topics.DefaultPartitions);
        var kafka = new KafkaClients(Options.Create(new KafkaOptions { BootstrapServers = cluster.BootstrapServers }));
        using var producer = kafka.CreateProducer("checkpoint-test");
        var store = new CheckpointStore(kafka, producer);
        var input = new TopicPartition(Topics.Events, 1);
        var random = new Random(2);
        var (big, small) = (new byte[CheckpointStore.ChunkBytes + 4_000], new byte[1_600]);
        random.NextBytes(big);
        random.NextBytes(small);

        store.Write("task-a", input, new CheckpointWrite("{\"n\":1}"u8.ToArray(), new Dictionary<long, byte[]> { [0] = big }, []));
        store.Write("task-a", input, new CheckpointWrite("{\"n\":2}"u8.ToArray(), new Dictionary<long, byte[]> { [1] = small }, []));
        producer.FlushAndThrowIfFailed(TimeSpan.FromSeconds(30));
        var (state, segments) = CheckpointContainer.Unpack(new CheckpointStore(kafka, producer).ReadLatest("task-a", input, TimeSpan.FromSeconds(30))!);
        Assert.Equal("{\"n\":2}"u8.ToArray(), state.ToArray());
        Assert.Equal([0L, 1L], segments.Keys.Order());
        Assert.Equal(big, segments[0]);
        Assert.Equal(small, segments[1]);

        store.Write("task-a", input, new CheckpointWrite("{\"n\":3}"u8.ToArray(), new Dictionary<long, byte[]>(), [(0, big.Length)]));
        producer.FlushAndThrowIfFailed(TimeSpan.FromSeconds(30));
        (_, segments) = CheckpointContainer.Unpack(new CheckpointStore(kafka, producer).ReadLatest("task-a", input, TimeSpan.FromSeconds(30))!);
        Assert.Equal([1L], segments.Keys);
    }

    private static CheckpointWrite State(byte[] state) => new(state, new Dictionary<long, byte[]>(), []);
}
