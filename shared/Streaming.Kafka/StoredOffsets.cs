using Confluent.Kafka;

namespace Streaming.Kafka;

/// <summary>
/// Stores input offsets for the client to commit (in the background, and for revoked partitions before they move).
/// Each offset is stored on its own, so one partition that is no longer assigned does not hold up the others.
/// </summary>
public static class StoredOffsets
{
    /// <summary>Stores each offset; returns how many could not be stored, each reported to <paramref name="failed"/>.</summary>
    public static int StoreEach(this IConsumer<string, byte[]> consumer, IEnumerable<TopicPartitionOffset> offsets, Action<TopicPartitionOffset, string> failed)
    {
        var failures = 0;
        foreach (var offset in offsets)
        {
            try
            {
                consumer.StoreOffset(offset);
            }
            catch (KafkaException ex)
            {
                failures++;
                failed(offset, ex.Error.Reason);
            }
        }

        return failures;
    }
}
