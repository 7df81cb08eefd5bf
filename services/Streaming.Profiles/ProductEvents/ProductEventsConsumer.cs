using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Streaming.Kafka;
using Streaming.Profiles.Profiles;
using Streaming.Profiles.Status;

namespace Streaming.Profiles.ProductEvents;

/// <summary>
/// Reads product-events (group <c>profiles</c>) and feeds the grains in batches, one call per product per batch.
/// Exactly once for the grain state without transactions: a partition's offset is stored only after every grain it
/// fed since the last barrier has written its state (a barrier every <see cref="ProductEventsOptions.FlushInterval"/>,
/// and on revoke and shutdown); what is read again after a crash is recognised by the grains by source position.
/// A grain activation that was lost with unwritten events (its silo died) shows as a new activation id: the partition
/// is then read again from its last stored offset. While grain storage fails, input is paused and the barrier retried;
/// nothing is stored that is not written. An app's re-post of an event (a second record with the same user and event
/// id, at a higher offset) is dropped before its grain by the partition's <see cref="RepostFilter"/>, rebuilt by
/// reading the partition back when it is assigned (<see cref="RepostHistory"/>).
/// </summary>
public sealed partial class ProductEventsConsumer(
    KafkaClients kafka,
    RecordProducer producer,
    IGrainFactory grains,
    ProfilesStatus status,
    RepostHistory repostHistory,
    IOptions<ProductEventsOptions> options,
    TimeProvider clock,
    ILogger<ProductEventsConsumer> logger,
    IHostApplicationLifetime lifetime) : ConsumeLoopService(logger, lifetime)
{
    private const string Group = "profiles";
    private const int MaxCachedWriters = 100_000;
    private const string ChangedRepostReason =
        "re-sent event with different content: an event with this identity (user_id, event_id) was already counted, and the first copy counts";
    private static readonly TimeSpan DeadLetterFlushTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan LagInterval = TimeSpan.FromSeconds(2);
    private readonly ProductEventsOptions settings = options.Value;
    private readonly DeadLetterWriter deadLetters = new(producer, kafka.Options, Group, clock);
    private readonly string inputTopic = kafka.Options.Name(Kafka.Topics.ProductEvents);
    /// <summary>Per product, the list its events are gathered in: kept between batches (cleared), as most products come back.</summary>
    private readonly Dictionary<string, List<ProductEvent>> gathering = new(StringComparer.Ordinal);
    /// <summary>The batch being gathered: the products with events, and their lists.</summary>
    private readonly List<(string Product, List<ProductEvent> Events)> batch = [];
    private readonly Dictionary<TopicPartition, PartitionProgress> progress = [];
    private readonly Dictionary<string, IProductProfileWriter> writers = new(StringComparer.Ordinal);
    private List<(string Product, TopicPartition Partition, Task<FeedResult> Call)>? inFlight;
    private PartitionProgress? cachedProgress;
    private int cachedPartition = -1;
    private int batched;
    private long batchStarted;
    private bool deadLettersPending;
    private DateTimeOffset nextBarrier = DateTimeOffset.MinValue;
    /// <summary>A grain call failed since the barrier began: input stays paused until the next barrier.</summary>
    private bool feedFailed;
    private DateTimeOffset nextLag = DateTimeOffset.MinValue;

    protected override IReadOnlyCollection<string> InputTopics => [inputTopic];

    protected override string ConsumerGroup => Group;

    protected override IConsumer<string, byte[]> CreateConsumer() =>
        kafka.CreateConsumerBuilder(Group, "profiles", live: true)
            // Revoked partitions are still owned until this returns: their grains write, their offsets are stored,
            // and the client commits them before they move. What cannot be written now is left to the next owner.
            .SetPartitionsRevokedHandler((consumer, revoked) =>
            {
                Barrier(consumer);
                Forget(revoked.Select(p => p.TopicPartition));
            })
            // Lost (this member was fenced): another member may own them already, so nothing of theirs is stored.
            .SetPartitionsLostHandler((consumer, lost) =>
            {
                Dispatch(consumer);
                Complete(consumer);
                Forget(lost.Select(p => p.TopicPartition));
            })
            .Build();

    protected override void Handle(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record)
    {
        // Records come in runs of one partition: the last one's progress saves a TopicPartition and a lookup per record.
        var partition = cachedProgress is { } cached && cachedPartition == record.Partition.Value
            ? cached
            : ProgressOf(consumer, record);
        partition.Next = record.Offset.Value + 1;
        if (!ProductEventRecord.TryRead(record, out var productId, out var productEvent, out var identity, out var reason))
        {
            DeadLetter(record, reason);
            return;
        }

        if (partition.Reposts is { } reposts)
        {
            switch (reposts.Check(record.Offset.Value, record.Message.Timestamp.UnixTimestampMs, identity))
            {
                case RepostVerdict.Count:
                    break;
                case RepostVerdict.Repost:
                    status.Reposted(changed: false);
                    return;
                case RepostVerdict.Changed:
                    status.Reposted(changed: true);
                    DeadLetter(record, ChangedRepostReason);
                    return;
                default:
                    return; // dropped when first read, and reported then
            }
        }

        if (!gathering.TryGetValue(productId, out var events))
        {
            events = [];
            gathering[productId] = events;
        }

        if (events.Count == 0)
        {
            batch.Add((productId, events));
        }

        if (batched++ == 0)
        {
            batchStarted = Environment.TickCount64;
        }

        events.Add(productEvent);
        if (batched >= settings.MaxBatch)
        {
            Dispatch(consumer);
        }
    }

    protected override void Idle(IConsumer<string, byte[]> consumer) => Dispatch(consumer);

    private void DeadLetter(ConsumeResult<string, byte[]> record, string reason)
    {
        deadLetters.Write(record, reason);
        deadLettersPending = true;
        status.DeadLetter();
        LogDeadLettered(logger, record.Partition.Value, record.Offset.Value, reason);
    }

    protected override void Tick(IConsumer<string, byte[]> consumer)
    {
        if (batched > 0 && Environment.TickCount64 - batchStarted >= settings.MaxBatchDelay.TotalMilliseconds)
        {
            Dispatch(consumer);
        }

        var now = clock.GetUtcNow();
        if (now >= nextBarrier)
        {
            var written = Barrier(consumer);
            nextBarrier = clock.GetUtcNow() + (written ? settings.FlushInterval : settings.RetryInterval);
        }

        if (now >= nextLag)
        {
            SampleLag(consumer);
            nextLag = now + LagInterval;
        }
    }

    protected override void Stopping(IConsumer<string, byte[]> consumer) => Barrier(consumer);

    /// <summary>
    /// Sends the batch to the grains (one call per product, all at once) and leaves it in flight: the next batch is read
    /// and parsed meanwhile. A grain's next batch goes only once its previous call has completed (each dispatch first
    /// completes the one before), so every grain gets its events in order. <paramref name="write"/>: the barrier's last
    /// batch, whose calls also write the grains' state (one call instead of a feed and a flush).
    /// </summary>
    private void Dispatch(IConsumer<string, byte[]> consumer, bool write = false)
    {
        Complete(consumer);
        if (batched == 0)
        {
            return;
        }

        var calls = new List<(string Product, TopicPartition Partition, Task<FeedResult> Call)>(batch.Count);
        foreach (var (product, events) in batch)
        {
            var partition = new TopicPartition(inputTopic, events[0].Partition);
            var writer = WriterOf(product);
            calls.Add((product, partition, write ? writer.ApplyAndWriteAsync(new([.. events])) : writer.ApplyAsync(new([.. events]))));
            events.Clear();
        }

        batch.Clear();
        batched = 0;
        inFlight = calls;
        if (gathering.Count > MaxCachedWriters)
        {
            gathering.Clear();
        }
    }

    /// <summary>
    /// Waits for the batch in flight and checks its calls: a failed call or a replaced activation reads its partition
    /// again. Products whose call wrote their state (and is in order) are added to <paramref name="written"/>.
    /// </summary>
    private void Complete(IConsumer<string, byte[]> consumer, HashSet<string>? written = null)
    {
        if (inFlight is not { } calls)
        {
            return;
        }

        inFlight = null;
        WaitAll(calls.Select(c => c.Call));
        var rewind = new HashSet<TopicPartition>();
        var failedFeeds = false;
        foreach (var (product, partition, call) in calls)
        {
            if (!progress.TryGetValue(partition, out var fed))
            {
                continue; // revoked or lost meanwhile
            }

            if (!call.IsCompletedSuccessfully)
            {
                LogFeedFailed(logger, product, partition.Partition.Value, call.Exception?.GetBaseException().Message);
                rewind.Add(partition);
                failedFeeds = true;
            }
            else if (fed.Grains.TryGetValue(product, out var seen) && seen != call.Result.Activation)
            {
                // The activation fed earlier is gone, maybe with events it had not written.
                rewind.Add(partition);
            }
            else
            {
                fed.Grains[product] = call.Result.Activation;
                if (call.Result.Written)
                {
                    written?.Add(product);
                }
            }
        }

        foreach (var partition in rewind)
        {
            Rewind(consumer, partition);
        }

        if (failedFeeds)
        {
            // Reading again at once would call the same unreachable grains in a tight loop (a silo restarted on its old
            // address is called for seconds as its dead predecessor): pause, and let the barrier retry after a while.
            feedFailed = true;
            if (!InputPaused)
            {
                PauseInput(consumer);
                LogFeedsPaused(logger, settings.RetryInterval.TotalSeconds);
            }

            var retryAt = clock.GetUtcNow() + settings.RetryInterval;
            nextBarrier = retryAt < nextBarrier ? retryAt : nextBarrier;
        }
    }

    /// <summary>Grain references by product: resolving one costs more than the call's own bookkeeping.</summary>
    private IProductProfileWriter WriterOf(string product)
    {
        if (!writers.TryGetValue(product, out var writer))
        {
            if (writers.Count >= MaxCachedWriters)
            {
                writers.Clear();
            }

            writer = grains.GetGrain<IProductProfileWriter>(product);
            writers[product] = writer;
        }

        return writer;
    }

    /// <summary>
    /// Every grain fed since the last barrier writes its state; then each partition whose grains all wrote (with the
    /// activations that were fed) has its offset stored. Returns false if storage failed (input stays paused).
    /// </summary>
    private bool Barrier(IConsumer<string, byte[]> consumer)
    {
        // The batch gathered so far goes with a write; the grains fed since the last barrier that it does not write flush.
        feedFailed = false; // what failed before was read again already; only this barrier's calls keep the input paused
        Dispatch(consumer, write: true);
        var written = new HashSet<string>(StringComparer.Ordinal);
        Complete(consumer, written);
        var flushes = new Dictionary<string, Task<Guid>>(StringComparer.Ordinal);
        foreach (var fed in progress.Values)
        {
            foreach (var product in fed.Grains.Keys)
            {
                if (!written.Contains(product))
                {
                    flushes.TryAdd(product, WriterOf(product).FlushAsync());
                }
            }
        }

        WaitAll(flushes.Values);
        var failed = false;
        var store = new List<TopicPartitionOffset>();
        foreach (var (partition, fed) in progress.ToArray())
        {
            var unwritten = fed.Grains.Keys.FirstOrDefault(g => flushes.TryGetValue(g, out var flush) && !flush.IsCompletedSuccessfully);
            if (unwritten is not null)
            {
                failed = true;
                LogFlushFailed(logger, partition.Partition.Value, unwritten, flushes[unwritten].Exception?.GetBaseException().Message);
            }
            else if (fed.Grains.Any(g => flushes.TryGetValue(g.Key, out var flush) && flush.Result != g.Value))
            {
                Rewind(consumer, partition);
            }
            else if (fed.Next > fed.From)
            {
                store.Add(new TopicPartitionOffset(partition, fed.Next));
                fed.From = fed.Next;
                fed.Grains.Clear();
                fed.Reposts?.Stored(fed.From);
            }
        }

        if (store.Count > 0)
        {
            if (deadLettersPending)
            {
                // A dead-lettered record's offset is stored only once its letter is on the dead-letter topic.
                producer.FlushAndThrowIfFailed(DeadLetterFlushTimeout);
                deadLettersPending = false;
            }

            consumer.StoreEach(store, (offset, reason) => LogStoreFailed(logger, offset.Partition.Value, reason));
        }

        if (failed)
        {
            status.FlushFailed();
            if (!InputPaused)
            {
                PauseInput(consumer);
                LogPaused(logger, settings.RetryInterval.TotalSeconds);
            }
        }
        else if (InputPaused && !feedFailed)
        {
            ResumeInput(consumer);
            LogResumed(logger);
        }

        return !(failed || feedFailed);
    }

    /// <summary>Reads the partition again from its last stored offset; the grains ignore what they applied already.</summary>
    private void Rewind(IConsumer<string, byte[]> consumer, TopicPartition partition)
    {
        var fed = progress[partition];
        status.Rewound();
        LogRewind(logger, partition.Partition.Value, fed.From);
        try
        {
            consumer.Seek(new TopicPartitionOffset(partition, fed.From));
            fed.Next = fed.From;
            fed.Grains.Clear();
            DropBatched(partition.Partition.Value);
        }
        catch (KafkaException ex)
        {
            // Not assigned any more: its next owner reads from the stored offset anyway.
            LogRewindFailed(logger, partition.Partition.Value, ex.Error.Reason);
            progress.Remove(partition);
            cachedProgress = null;
        }
    }

    /// <summary>
    /// Removes a rewound partition's records from the batch being gathered: they are read again after the seek, and
    /// sent now they would be applied before the earlier records read again (which the grains would then ignore).
    /// </summary>
    private void DropBatched(int partition)
    {
        foreach (var (_, events) in batch)
        {
            batched -= events.RemoveAll(e => e.Partition == partition);
        }

        batch.RemoveAll(b => b.Events.Count == 0);
    }

    private PartitionProgress ProgressOf(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record)
    {
        var partition = record.TopicPartition;
        if (!progress.TryGetValue(partition, out var fed))
        {
            // The first record read after the assignment: where reading resumed (the committed offset). Before it is
            // checked, the identities the partition's previous reader remembered are read back.
            var offset = record.Offset.Value;
            fed = new PartitionProgress(offset)
            {
                Reposts = settings.RepostHorizon > TimeSpan.Zero
                    ? repostHistory.Rebuild(consumer, partition, offset, record.Message.Timestamp.UnixTimestampMs, static r => ProductEventRecord.TryRead(r, out _, out _, out var id, out _) ? id : null, settings)
                    : null,
            };
            progress[partition] = fed;
        }

        (cachedPartition, cachedProgress) = (partition.Partition.Value, fed);

        return fed;
    }

    private void Forget(IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            progress.Remove(partition);
        }

        cachedProgress = null;
    }

    private void SampleLag(IConsumer<string, byte[]> consumer)
    {
        long lag = 0;
        status.Remembering(progress.Values.Sum(p => (long)(p.Reposts?.Identities ?? 0)));
        foreach (var partition in consumer.Assignment)
        {
            var ends = consumer.GetWatermarkOffsets(partition);
            var position = consumer.Position(partition);
            if (ends.High != Offset.Unset && position != Offset.Unset)
            {
                lag += Math.Max(0, ends.High.Value - position.Value);
            }
            else if (ends.High != Offset.Unset && progress.TryGetValue(partition, out var fed))
            {
                lag += Math.Max(0, ends.High.Value - fed.Next);
            }
        }

        status.Lag(lag);
        status.Assigned(consumer.Assignment.Count);
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

    /// <summary>
    /// A partition's reading since its last stored offset: <see cref="From"/> (that offset), <see cref="Next"/> (after
    /// the last record read) and the grains fed meanwhile with the activation that applied their events.
    /// </summary>
    private sealed class PartitionProgress(long from)
    {
        public long From { get; set; } = from;

        public long Next { get; set; } = from;

        public Dictionary<string, Guid> Grains { get; } = new(StringComparer.Ordinal);

        /// <summary>The partition's event identities, to drop re-posts (null: <see cref="ProductEventsOptions.RepostHorizon"/> is zero).</summary>
        public RepostFilter? Reposts { get; init; }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Dead-lettered product-events record at partition {Partition} offset {Offset}: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, int partition, long offset, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feeding profile {ProductId} (partition {Partition}) failed; reading the partition again: {Reason}")]
    private static partial void LogFeedFailed(ILogger logger, string productId, int partition, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Partition}: profile {ProductId} could not write its state: {Reason}")]
    private static partial void LogFlushFailed(ILogger logger, int partition, string productId, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Grain storage failing: input paused, retrying every {Seconds} s")]
    private static partial void LogPaused(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feeding profiles failed: input paused, retrying in {Seconds} s")]
    private static partial void LogFeedsPaused(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Grain storage writes again: input resumed")]
    private static partial void LogResumed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Partition}: a profile activation was replaced; reading again from offset {Offset}")]
    private static partial void LogRewind(ILogger logger, int partition, long offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Partition}: could not read again ({Reason}); left to its next owner")]
    private static partial void LogRewindFailed(ILogger logger, int partition, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing the offset of partition {Partition} failed: {Reason}")]
    private static partial void LogStoreFailed(ILogger logger, int partition, string reason);
}
