using Confluent.Kafka;
using Microsoft.Extensions.Logging;
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
        try
        {
            foreach (var (partition, next) in offsets)
            {
                consumer.StoreOffset(new TopicPartitionOffset(inputTopic, partition, next));
            }

            return true;
        }
        catch (KafkaException ex)
        {
            // The checkpoint is what a restore reads; the commit is retried at the next checkpoint time.
            LogCommitFailed(logger, ex.Error.Reason);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Committing offsets failed: {Reason}")]
    private static partial void LogCommitFailed(ILogger logger, string reason);
}
