using Confluent.Kafka;
using Streaming.Kafka;

namespace Streaming.PushTrigger.Feeds;

/// <summary>
/// Feeds grains from Kafka exactly once without transactions, as the profiles silo does: records are batched and sent
/// (one call per grain per batch); every <see cref="FeedOptions.FlushInterval"/>, on revoke and on shutdown, a
/// barrier makes every grain fed since the last one write its state, and only then is each partition's offset stored.
/// What is read again after a crash is recognised by the grains (events offset, profile version). A grain whose
/// activation changed, or that could not write, makes its partition be read again from the last stored offset; while
/// writes fail, input is paused and the barrier retried.
/// </summary>
public abstract partial class GrainFeedConsumer(
    KafkaClients kafka, RecordProducer producer, FeedOptions settings, TimeProvider clock, ILogger logger, IHostApplicationLifetime lifetime)
    : ConsumeLoopService(logger, lifetime)
{
    private static readonly TimeSpan DeadLetterFlushTimeout = TimeSpan.FromSeconds(60);

    // While a batch waits, 5 ms without a record counts as a quiet input and sends it: with the base's 100 ms poll a
    // lone profile change waited 100 ms for the poll to come back empty (measured: about 90 ms of the trigger's hop in
    // `./run bench push-latency`). A busy input still fills batches up to MaxBatch or MaxBatchDelay.
    private static readonly TimeSpan QuietPoll = TimeSpan.FromMilliseconds(5);
    private readonly Dictionary<TopicPartition, PartitionProgress> progress = [];
    private readonly ILogger log = logger;
    private DeadLetterWriter? deadLetters;
    private int batched;
    private long batchStarted;
    private DateTimeOffset nextBarrier = DateTimeOffset.MinValue;
    /// <summary>A grain call failed since the barrier began: input stays paused until the next barrier.</summary>
    private bool feedFailed;

    /// <summary>One grain call of a batch: which partition's records it carries, and how to flush the grain.</summary>
    protected sealed record FeedCall(int Partition, string GrainKey, Task<Guid> Call, Func<Task<Guid>> Flush);

    protected KafkaClients Kafka => kafka;

    protected override TimeSpan PollTimeout => batched > 0 ? QuietPoll : base.PollTimeout;

    /// <summary>Adds the record to the batch; false with a reason if it cannot be read (it is dead-lettered). Records of no interest return true.</summary>
    protected abstract bool TryAdd(ConsumeResult<string, byte[]> record, out string? reason);

    /// <summary>Sends the batch to the grains and clears it.</summary>
    protected abstract IReadOnlyList<FeedCall> SendBatch();

    protected override IConsumer<string, byte[]> CreateConsumer() =>
        kafka.CreateConsumerBuilder(ConsumerGroup, ConsumerGroup, live: true)
            .SetPartitionsRevokedHandler((consumer, revoked) =>
            {
                Barrier(consumer);
                Forget(revoked.Select(p => p.TopicPartition));
            })
            .SetPartitionsLostHandler((consumer, lost) =>
            {
                Dispatch(consumer);
                Forget(lost.Select(p => p.TopicPartition));
            })
            .Build();

    protected override void Handle(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record)
    {
        if (!progress.TryGetValue(record.TopicPartition, out var partition))
        {
            // The first record read after the assignment: where reading resumed (the committed offset).
            partition = new PartitionProgress(record.Offset.Value);
            progress[record.TopicPartition] = partition;
        }

        partition.Next = record.Offset.Value + 1;
        if (!TryAdd(record, out var reason))
        {
            deadLetters ??= new DeadLetterWriter(producer, kafka.Options, ConsumerGroup, clock);
            deadLetters.Write(record, reason ?? "unreadable");
            LogDeadLettered(log, record.Topic, record.Partition.Value, record.Offset.Value, reason);
            return;
        }

        if (batched++ == 0)
        {
            batchStarted = Environment.TickCount64;
        }

        if (batched >= settings.MaxBatch)
        {
            Dispatch(consumer);
        }
    }

    protected override void Idle(IConsumer<string, byte[]> consumer) => Dispatch(consumer);

    protected override void Tick(IConsumer<string, byte[]> consumer)
    {
        if (batched > 0 && Environment.TickCount64 - batchStarted >= settings.MaxBatchDelay.TotalMilliseconds)
        {
            Dispatch(consumer);
        }

        if (clock.GetUtcNow() >= nextBarrier)
        {
            var written = Barrier(consumer);
            nextBarrier = clock.GetUtcNow() + (written ? settings.FlushInterval : settings.RetryInterval);
        }
    }

    protected override void Stopping(IConsumer<string, byte[]> consumer) => Barrier(consumer);

    private void Dispatch(IConsumer<string, byte[]> consumer)
    {
        if (batched == 0)
        {
            return;
        }

        batched = 0;
        var calls = SendBatch();
        WaitAll(calls.Select(c => c.Call));
        var rewind = new HashSet<TopicPartition>();
        foreach (var call in calls)
        {
            var partition = new TopicPartition(InputTopics.First(), call.Partition);
            if (!progress.TryGetValue(partition, out var fed))
            {
                continue; // revoked or lost meanwhile
            }

            if (!call.Call.IsCompletedSuccessfully)
            {
                LogFeedFailed(log, call.GrainKey, call.Partition, call.Call.Exception?.GetBaseException().Message);
                rewind.Add(partition);
                feedFailed = true;
            }
            else if (fed.Grains.TryGetValue(call.GrainKey, out var seen) && seen.Activation != call.Call.Result)
            {
                rewind.Add(partition); // the activation fed earlier is gone, maybe with events it had not written
            }
            else
            {
                fed.Grains[call.GrainKey] = (call.Call.Result, call.Flush);
            }
        }

        foreach (var partition in rewind)
        {
            Rewind(consumer, partition);
        }

        if (feedFailed && !InputPaused)
        {
            // Reading again at once would call the same unreachable grains in a tight loop: the barrier retries later.
            PauseInput(consumer);
            LogPaused(log, settings.RetryInterval.TotalSeconds);
            var retryAt = clock.GetUtcNow() + settings.RetryInterval;
            nextBarrier = retryAt < nextBarrier ? retryAt : nextBarrier;
        }
    }

    /// <summary>Every grain fed since the last barrier writes; then each partition whose grains all wrote has its offset stored.</summary>
    private bool Barrier(IConsumer<string, byte[]> consumer)
    {
        feedFailed = false; // what failed before was read again already; only this barrier's calls keep the input paused
        Dispatch(consumer);
        var flushes = new Dictionary<string, Task<Guid>>(StringComparer.Ordinal);
        foreach (var fed in progress.Values)
        {
            foreach (var (key, grain) in fed.Grains)
            {
                if (!flushes.ContainsKey(key))
                {
                    flushes[key] = grain.Flush();
                }
            }
        }

        WaitAll(flushes.Values);
        var failed = feedFailed;
        var store = new List<TopicPartitionOffset>();
        foreach (var (partition, fed) in progress.ToArray())
        {
            var unwritten = fed.Grains.Keys.FirstOrDefault(k => !flushes[k].IsCompletedSuccessfully);
            if (unwritten is not null)
            {
                failed = true;
                LogFlushFailed(log, partition.Partition.Value, unwritten, flushes[unwritten].Exception?.GetBaseException().Message);
                Rewind(consumer, partition);
            }
            else if (fed.Grains.Any(g => flushes[g.Key].Result != g.Value.Activation))
            {
                Rewind(consumer, partition);
            }
            else if (fed.Next > fed.From)
            {
                store.Add(new TopicPartitionOffset(partition, fed.Next));
                fed.From = fed.Next;
                fed.Grains.Clear();
            }
        }

        if (store.Count > 0)
        {
            // Decisions and dead letters sent so far must be on Kafka before the input behind them is committed.
            producer.FlushAndThrowIfFailed(DeadLetterFlushTimeout);
            consumer.StoreEach(store, (offset, reason) => LogStoreFailed(log, offset.Partition.Value, reason));
        }

        if (failed && !InputPaused)
        {
            PauseInput(consumer);
            LogPaused(log, settings.RetryInterval.TotalSeconds);
        }
        else if (!failed && InputPaused)
        {
            ResumeInput(consumer);
            LogResumed(log);
        }

        return !failed;
    }

    /// <summary>Reads the partition again from its last stored offset; the grains ignore what they applied already.</summary>
    private void Rewind(IConsumer<string, byte[]> consumer, TopicPartition partition)
    {
        var fed = progress[partition];
        LogRewind(log, partition.Topic, partition.Partition.Value, fed.From);
        try
        {
            consumer.Seek(new TopicPartitionOffset(partition, fed.From));
            fed.Next = fed.From;
            fed.Grains.Clear();
        }
        catch (KafkaException ex)
        {
            LogRewindFailed(log, partition.Partition.Value, ex.Error.Reason);
            progress.Remove(partition);
        }
    }

    private void Forget(IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            progress.Remove(partition);
        }
    }

    private static void WaitAll(IEnumerable<Task> tasks)
    {
        try
        {
            Task.WaitAll([.. tasks]);
        }
        catch (AggregateException)
        {
            // Each caller looks at its own tasks' outcomes.
        }
    }

    private sealed class PartitionProgress(long from)
    {
        public long From { get; set; } = from;

        public long Next { get; set; } = from;

        public Dictionary<string, (Guid Activation, Func<Task<Guid>> Flush)> Grains { get; } = new(StringComparer.Ordinal);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Dead-lettered {Topic} record at partition {Partition} offset {Offset}: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string topic, int partition, long offset, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feeding {Grain} (partition {Partition}) failed; reading the partition again: {Reason}")]
    private static partial void LogFeedFailed(ILogger logger, string grain, int partition, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Partition}: {Grain} could not write its state: {Reason}")]
    private static partial void LogFlushFailed(ILogger logger, int partition, string grain, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Grain storage failing: input paused, retrying every {Seconds} s")]
    private static partial void LogPaused(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Grain storage writes again: input resumed")]
    private static partial void LogResumed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Topic} partition {Partition}: reading again from offset {Offset}")]
    private static partial void LogRewind(ILogger logger, string topic, int partition, long offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Partition}: could not read again ({Reason}); left to its next owner")]
    private static partial void LogRewindFailed(ILogger logger, int partition, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing the offset of partition {Partition} failed: {Reason}")]
    private static partial void LogStoreFailed(ILogger logger, int partition, string reason);
}
