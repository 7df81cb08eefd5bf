using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Streaming.Kafka;
using Streaming.Topology.Processing;

namespace Streaming.Topology.Kafka;

/// <summary>
/// Commits a stage's input offsets to its consumer group: stores them, and the client commits them in the background
/// (every second, and for revoked partitions before they move), so the poll loop never waits on a rebalance.
/// </summary>
internal sealed partial class ConsumerOffsetCommitter(IConsumer<string, byte[]> consumer, string inputTopic, ILogger logger) : IOffsetCommitter
{
    public bool TryCommit(IReadOnlyList<(int Partition, long NextOffset)> offsets)
    {
        // The checkpoint is what a restore reads; an offset not stored is stored again at the next checkpoint time
        // while the partition stays assigned.
        return consumer.StoreEach(
            offsets.Select(o => new TopicPartitionOffset(inputTopic, o.Partition, o.NextOffset)),
            (offset, reason) => LogStoreFailed(logger, offset.Partition.Value, reason)) == 0;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing the offset of partition {Partition} failed: {Reason}")]
    private static partial void LogStoreFailed(ILogger logger, int partition, string reason);
}
