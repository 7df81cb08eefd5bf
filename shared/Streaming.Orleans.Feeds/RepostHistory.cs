using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Streaming.Kafka;
using Streaming.Reposts;

namespace Streaming.Orleans.Feeds;

/// <summary>What a rebuild read: records read back, and whether its bounds or a Kafka error cut it short.</summary>
internal readonly record struct RebuildResult(RepostFilter Filter, long Records, bool CutShort);

/// <summary>
/// Rebuilds a newly assigned partition's <see cref="RepostFilter"/> before its first record is fed: reads the
/// partition back from the first record within the horizon (by timestamp) up to where reading resumes, and checks each
/// record as the previous owner did, computing identities only (nothing reaches a grain or the dead-letter topic).
/// the fleet's records carry their event's time, and the first offset with a timestamp at or past
/// (the resuming record's time − horizon) is where the partition's time first reached that point, so every identity the
/// previous owner still remembered is read, with the same expiry. Bounded by <see cref="GrainFeedOptions.MaxRebuildRecords"/>
/// (the newest ones) and <see cref="GrainFeedOptions.MaxRebuildTime"/>: a rebuild cut short remembers less, and a
/// re-post of an event it missed counts again.
/// </summary>
internal sealed partial class RepostHistory(KafkaClients kafka, string clientId, ILogger logger)
{
    private static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    /// <param name="consumer">The group consumer (for the offset lookup by time).</param>
    /// <param name="resumeAt">The first record read after the assignment: its offset and timestamp.</param>
    /// <param name="identify">The identity of a record read back (null: it has none, or cannot be read).</param>
    public RebuildResult Rebuild(IConsumer<string, byte[]> consumer, TopicPartition partition, long resumeAt, long resumeTimestampMs,
        Func<ConsumeResult<string, byte[]>, EventIdentity?> identify, GrainFeedOptions settings)
    {
        var filter = new RepostFilter(settings.RepostHorizon);
        var from = StartOf(consumer, partition, resumeAt, resumeTimestampMs - (long)settings.RepostHorizon.TotalMilliseconds, settings.MaxRebuildRecords);
        if (from >= resumeAt)
        {
            return new RebuildResult(filter, 0, false);
        }

        LogRebuilding(logger, partition.Partition.Value, from, resumeAt);
        var clock = Stopwatch.StartNew();
        var nextProgress = ProgressInterval;
        long read = 0;
        var cutShort = false;
        using var reader = kafka.CreateReaderBuilder(clientId + "-repost-history").Build();
        try
        {
            reader.Assign(new TopicPartitionOffset(partition, from));
            while (true)
            {
                if (clock.Elapsed >= settings.MaxRebuildTime)
                {
                    cutShort = true;
                    LogRebuildCutShort(logger, partition.Partition.Value, filter.CheckedUpTo, resumeAt, settings.MaxRebuildTime.TotalSeconds);
                    break;
                }

                var record = reader.Consume(TimeSpan.FromMilliseconds(200));
                if (record is { IsPartitionEOF: false, Message: not null } && record.Offset.Value < resumeAt)
                {
                    read++;
                    if (identify(record) is { } identity)
                    {
                        filter.Check(record.Offset.Value, record.Message.Timestamp.UnixTimestampMs, identity);
                    }
                }

                // Position: past the last record returned (offsets can have gaps, e.g. transaction markers).
                if ((record?.Offset.Value ?? -1) >= resumeAt - 1 || reader.Position(partition).Value >= resumeAt)
                {
                    break;
                }

                if (clock.Elapsed >= nextProgress)
                {
                    LogRebuildProgress(logger, partition.Partition.Value, record?.Offset.Value ?? from, resumeAt, read);
                    nextProgress += ProgressInterval;
                }
            }
        }
        catch (KafkaException ex)
        {
            // What was read stays remembered; a re-post of an event not read back counts again.
            cutShort = true;
            LogRebuildFailed(logger, partition.Partition.Value, ex.Error.Reason);
        }
        finally
        {
            reader.Close();
        }

        filter.Stored(resumeAt);
        LogRebuilt(logger, partition.Partition.Value, read, filter.Identities, clock.Elapsed.TotalSeconds);
        return new RebuildResult(filter, read, cutShort);
    }

    /// <summary>
    /// The first offset with a timestamp at or after <paramref name="sinceMs"/>, at most <paramref name="maxRecords"/>
    /// before <paramref name="resumeAt"/>. Starting earlier changes nothing but the cost: what is read before that
    /// offset has expired by <paramref name="resumeAt"/>.
    /// </summary>
    private long StartOf(IConsumer<string, byte[]> consumer, TopicPartition partition, long resumeAt, long sinceMs, int maxRecords)
    {
        var earliest = Math.Max(0, resumeAt - maxRecords);
        if (resumeAt <= earliest)
        {
            return resumeAt;
        }

        try
        {
            var found = consumer.OffsetsForTimes([new TopicPartitionTimestamp(partition, new Timestamp(Math.Max(0, sinceMs), TimestampType.CreateTime))], LookupTimeout);
            var offset = found.Single().Offset.Value;
            if (offset < 0)
            {
                // The resuming record itself is at or after that time, so a broker that looks up offsets by time answers
                // at most its offset; "none" means it does not (librdkafka's mock cluster): read back up to the bound.
                LogLookupFailed(logger, partition.Partition.Value, "no offset for the time");
                return earliest;
            }

            return Math.Clamp(offset, earliest, resumeAt);
        }
        catch (KafkaException ex)
        {
            // The lookup failed: the newest records up to the bound are read instead (the expiry still applies).
            LogLookupFailed(logger, partition.Partition.Value, ex.Error.Reason);
            return earliest;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {Partition}: reading offsets {From} to {To} back to remember the events' identities (re-posts)")]
    private static partial void LogRebuilding(ILogger logger, int partition, long from, long to);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {Partition}: identities read back up to offset {Offset} of {To} ({Records} records)")]
    private static partial void LogRebuildProgress(ILogger logger, int partition, long offset, long to, long records);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {Partition}: {Records} records read back, {Identities} identities remembered in {Seconds:0.0} s")]
    private static partial void LogRebuilt(ILogger logger, int partition, long records, int identities, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Partition}: reading identities back stopped at offset {Offset} of {To} after {Seconds} s; re-posts of the events not read back count again")]
    private static partial void LogRebuildCutShort(ILogger logger, int partition, long offset, long to, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Partition}: reading identities back failed ({Reason}); re-posts of the events not read back count again")]
    private static partial void LogRebuildFailed(ILogger logger, int partition, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {Partition}: the offset lookup by time failed ({Reason}); reading back the newest records up to the bound")]
    private static partial void LogLookupFailed(ILogger logger, int partition, string reason);
}
