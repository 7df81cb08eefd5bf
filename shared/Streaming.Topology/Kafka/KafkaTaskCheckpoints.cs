using Confluent.Kafka;
using Streaming.Kafka;
using Streaming.Topology.Processing;

namespace Streaming.Topology.Kafka;

/// <summary>A stage's view of the checkpoints topic: its tasks are the partitions of one input topic.</summary>
internal sealed class KafkaTaskCheckpoints(CheckpointStore store, RecordProducer producer, string inputTopic, TimeSpan restoreTimeout) : ITaskCheckpoints
{
    public byte[]? ReadLatest(string task, int partition) => store.ReadLatest(task, new TopicPartition(inputTopic, partition), restoreTimeout);

    public void Write(string task, int partition, CheckpointWrite checkpoint) => store.Write(task, new TopicPartition(inputTopic, partition), checkpoint);

    public void Flush() => producer.FlushAndThrowIfFailed(TimeSpan.FromSeconds(60));
}
