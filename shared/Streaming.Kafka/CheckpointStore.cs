using Confluent.Kafka;

namespace Streaming.Kafka;

/// <summary>
/// Task checkpoints in Kafka: one record per checkpoint on the checkpoints topic, keyed by task, in a partition chosen
/// from the task's input partition. The latest record for a task wins. On a real cluster the topic is compacted,
/// so a restore reads little; the local mock cluster does not compact, so it reads the whole partition.
/// </summary>
public sealed class CheckpointStore(KafkaClients kafka, IProducer<string, byte[]> producer, DeliveryTracker deliveries)
{
    private readonly string topic = kafka.Options.Name(Topics.Checkpoints);

    public static string TaskId(string group, TopicPartition input) => $"{group}/{input.Topic}/{input.Partition.Value}";

    public void Write(string task, TopicPartition input, byte[] state) =>
        producer.ProduceWithBackpressure(new TopicPartition(topic, PartitionFor(input)), new Message<string, byte[]> { Key = task, Value = state }, deliveries.Handler);

    /// <summary>The latest checkpoint of <paramref name="task"/>, or null when it has none.</summary>
    public byte[]? ReadLatest(string task, TopicPartition input, TimeSpan timeout)
    {
        using var reader = kafka.CreateConsumerBuilder("checkpoint-reader-unused", "checkpoint-reader").Build();
        var partition = new TopicPartition(topic, PartitionFor(input));
        var end = reader.QueryWatermarkOffsets(partition, timeout).High.Value;
        if (end <= 0)
        {
            return null;
        }

        reader.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
        byte[]? latest = null;
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Reading checkpoints of {task} did not reach offset {end} within {timeout.TotalSeconds:0} s.");
            }

            var record = reader.Consume(TimeSpan.FromMilliseconds(200));
            if (record is null || record.IsPartitionEOF)
            {
                continue;
            }

            if (record.Message.Key == task)
            {
                latest = record.Message.Value;
            }

            if (record.Offset.Value >= end - 1)
            {
                return latest;
            }
        }
    }

    private int PartitionFor(TopicPartition input) => input.Partition.Value % kafka.Options.CheckpointPartitions;
}
