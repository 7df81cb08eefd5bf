using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Streaming.Kafka.Telemetry;

namespace Streaming.Kafka;

/// <summary>
/// For a stage that turns each record of one input topic into output at once (no state of its own): per input
/// partition, the offset after the last record handled, stored for the client to commit only once
/// <paramref name="flushOutput"/> has delivered everything sent before it (every <paramref name="commitInterval"/>, on
/// a revoke, at shutdown). After a crash the records since the last commit are handled again; the next stage or the
/// output's identities drop the repeats. Lost partitions are left to their next owner. Closes <paramref name="span"/>
/// with each store. Used on the consume-loop thread only.
/// </summary>
public sealed partial class OffsetsAfterOutput(
    string inputTopic, Action flushOutput, ConsumerBatchSpan span, TimeSpan commitInterval, TimeProvider clock, ILogger logger)
{
    /// <summary>By partition number: one input topic, and no topic name to hash per record.</summary>
    private readonly Dictionary<int, long> handled = [];
    private DateTimeOffset nextStore;

    /// <summary>The record's output was sent: its offset is stored with the next delivered batch.</summary>
    public void Handled(ConsumeResult<string, byte[]> record) => handled[record.Partition.Value] = record.Offset.Value + 1;

    /// <summary>
    /// A revoke stores everything handled (the kept partitions are still owned too; the client commits the revoked ones
    /// before they move); a loss (this member was fenced) stores nothing, another member may own them already.
    /// </summary>
    public ConsumerBuilder<string, byte[]> HandleRebalances(ConsumerBuilder<string, byte[]> builder) => builder
        .SetPartitionsRevokedHandler((consumer, revoked) =>
        {
            Store(consumer);
            Forget(revoked);
        })
        .SetPartitionsLostHandler((_, lost) =>
        {
            Forget(lost);
            LogLost(logger, lost.Count);
        });

    /// <summary>For the consume loop's tick: stores once the commit interval has passed since the last time.</summary>
    public void StoreIfDue(IConsumer<string, byte[]> consumer)
    {
        if (clock.GetUtcNow() >= nextStore)
        {
            Store(consumer);
            nextStore = clock.GetUtcNow() + commitInterval;
        }
    }

    /// <summary>Once the output sent so far is delivered (or throws), stores the offsets after it.</summary>
    public void Store(IConsumer<string, byte[]> consumer)
    {
        if (handled.Count == 0)
        {
            return;
        }

        flushOutput();
        // A partition revoked meanwhile cannot be stored: its next owner handles its records again from the last commit.
        consumer.StoreEach(handled.Select(h => new TopicPartitionOffset(inputTopic, h.Key, h.Value)), (offset, reason) => LogStoreFailed(logger, offset.Partition.Value, reason));
        handled.Clear();
        span.Stop();
    }

    private void Forget(List<TopicPartitionOffset> partitions)
    {
        foreach (var partition in partitions)
        {
            handled.Remove(partition.Partition.Value);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} partitions lost (fenced from the group); their offsets are left to the next owner")]
    private static partial void LogLost(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing the offset of partition {Partition} failed: {Reason}")]
    private static partial void LogStoreFailed(ILogger logger, int partition, string reason);
}
