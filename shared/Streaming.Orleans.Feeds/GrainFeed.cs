using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Streaming.Kafka;
using Streaming.Reposts;

namespace Streaming.Orleans.Feeds;

/// <summary>
/// Feeds Orleans grains from one Kafka topic exactly once without transactions. Records are batched and sent, one call
/// per grain and partition per batch, while the next batch is read; every <see cref="GrainFeedOptions.FlushInterval"/>,
/// on revoke and on shutdown, a barrier makes every grain fed since the last one write its state, and only then is each
/// partition's offset stored. What is read again after a crash is recognised by the grains (by source position).
/// <para>
/// One storage-conflict policy: a grain that cannot keep what it applied (its activation was lost, or another
/// activation wrote first and it took the stored state) answers another activation id, and its partition is read again
/// from the last stored offset. A grain call or flush that fails because a silo, storage or the network is unavailable
/// (<see cref="IsTransient"/>) pauses the input and is retried at the next barrier.
/// </para>
/// <para>
/// Poison isolation: a record that cannot be read, whose map throws, or whose grain key Orleans would refuse
/// (<see cref="FeedTarget.Refuses"/>) is dead-lettered with its reason when it is read. A grain call that fails
/// otherwise is retried; after <see cref="KafkaOptions.PoisonAfterFailures"/> failures in a row over the same records,
/// those records are fed to that grain one at a time, and the one whose own call fails as often is dead-lettered.
/// A letter the producer refuses pauses the input, as an unavailable grain does, and its record is read again (then
/// dead-lettered): never skipped without its letter, never the end of the feed.
/// </para>
/// A service supplies what a record means to its grains (<see cref="Map"/>, <see cref="SendAsync"/>,
/// <see cref="FlushAsync"/>). Not thread-safe: everything runs on the consume loop's thread.
/// </summary>
/// <typeparam name="TItem">What one record carries to one grain.</typeparam>
public abstract partial class GrainFeed<TItem> : ConsumeLoopService
{
    private const int MaxCachedCalls = 100_000;
    private const string ChangedRepostReason =
        "re-sent event with different content: an event with this identity was already counted, and the first copy counts";

    private readonly GrainFeedOptions settings;
    private readonly int poisonAfterFailures;
    private readonly TimeProvider clock;
    private readonly ILogger log;
    private readonly IFeedOutput output;
    private readonly KafkaClients? kafka;
    private readonly FeedEntries<TItem> entries = new();
    /// <summary>Per grain and partition, the call its items are gathered in: kept between batches (cleared), as most grains come back.</summary>
    private readonly Dictionary<CallKey, Gathered> gathering = [];
    /// <summary>The batch being gathered, in the order its calls were opened.</summary>
    private readonly List<Gathered> batch = [];
    private readonly Dictionary<int, PartitionProgress> progress = [];
    private RepostHistory? history;
    private List<SentCall>? inFlight;
    private PartitionProgress? cachedProgress;
    private int cachedPartition = -1;
    private int batched;
    private long batchStarted;
    private bool deadLettersPending;
    private DateTimeOffset nextBarrier = DateTimeOffset.MinValue;
    /// <summary>A grain call failed transiently since the barrier began: input stays paused until the next barrier.</summary>
    private bool feedFailed;
    /// <summary>A letter of a record fed alone was refused by the producer while a batch was completed.</summary>
    private bool letterUnwritten;

    protected GrainFeed(KafkaClients kafka, RecordProducer producer, GrainFeedOptions settings, TimeProvider clock, ILogger logger, IHostApplicationLifetime lifetime)
        : this(new KafkaFeedOutput(producer, kafka.Options, clock), settings, kafka.Options.PoisonAfterFailures, clock, logger, lifetime) => this.kafka = kafka;

    /// <summary>For tests: no Kafka (the consumer is given to the loop's methods, dead letters go to <paramref name="output"/>).</summary>
    internal GrainFeed(IFeedOutput output, GrainFeedOptions settings, int poisonAfterFailures, TimeProvider clock, ILogger logger, IHostApplicationLifetime lifetime)
        : base(logger, lifetime)
    {
        this.output = output;
        this.settings = settings;
        this.poisonAfterFailures = poisonAfterFailures;
        this.clock = clock;
        log = logger;
    }

    /// <summary>The one topic the feed reads.</summary>
    protected abstract string InputTopic { get; }

    protected sealed override IReadOnlyCollection<string> InputTopics => [InputTopic];

    protected GrainFeedOptions Settings => settings;

    /// <summary>
    /// <see cref="KafkaOptions.PoisonAfterFailures"/>, as for every stage: a grain call that fails this many times in a
    /// row over the same records (not by unavailability) has its records fed one at a time, and a record whose own call
    /// fails as often is dead-lettered.
    /// </summary>
    protected sealed override int PoisonAfterFailures => poisonAfterFailures;

    /// <summary>Event identities remembered for the assigned partitions (re-posts).</summary>
    public long IdentitiesRemembered => progress.Values.Sum(p => (long)(p.Reposts?.Identities ?? 0));

    /// <summary>
    /// What <paramref name="record"/> means to the grains: <see cref="FeedEntries{TItem}.Add"/> for each grain it goes
    /// to (none: of no interest), <see cref="FeedEntries{TItem}.Refuse"/> if it cannot be read, and its identity if a
    /// re-post of it is to be dropped. An exception dead-letters the record.
    /// </summary>
    protected abstract void Map(ConsumeResult<string, byte[]> record, FeedEntries<TItem> entries);

    /// <summary>
    /// Sends one grain its items (from one partition, in offset order). With <paramref name="write"/> (the barrier's last
    /// batch) the grain may also write its state and say so, saving a flush.
    /// </summary>
    protected abstract Task<FeedReply> SendAsync(FeedTarget target, TItem[] items, bool write);

    /// <summary>Makes the grain write what it applied; answers its activation id (see <see cref="FeedReply.Activation"/>).</summary>
    protected abstract Task<Guid> FlushAsync(FeedTarget target);

    /// <summary>Whether a failed grain call is worth retrying as it is (default: the consume loop's classification says transient).</summary>
    protected virtual bool IsTransient(Exception error) => ConsumeFailures.Classify(error) == FailureKind.Transient;

    /// <summary>Whether <see cref="Map"/> gives identities and re-posts are dropped (<see cref="GrainFeedOptions.RepostHorizon"/>).</summary>
    protected virtual bool DropsReposts => false;

    /// <summary>Whether what the grains produced (e.g. decisions) must be on Kafka before the offsets behind it are stored.</summary>
    protected virtual bool FlushOutputBeforeStoring => false;

    /// <summary>A record was dead-lettered (counted by the service's status).</summary>
    protected virtual void OnDeadLettered(string reason) { }

    /// <summary>A re-post was dropped; <paramref name="changed"/>: its content differed from the first copy (also dead-lettered).</summary>
    protected virtual void OnReposted(bool changed) { }

    /// <summary>A partition is read again from its last stored offset.</summary>
    protected virtual void OnRewound() { }

    /// <summary>A barrier could not write every grain (storage failing).</summary>
    protected virtual void OnFlushFailed() { }

    /// <summary>A newly assigned partition's identities were read back: <paramref name="records"/> read, cut short or not.</summary>
    protected virtual void OnRebuilt(long records, bool cutShort) { }

    protected override TimeSpan PollTimeout => batched > 0 ? settings.QuietPoll : base.PollTimeout;

    protected override IConsumer<string, byte[]> CreateConsumer() =>
        (kafka ?? throw new InvalidOperationException("a feed built for tests has no Kafka"))
            .CreateConsumerBuilder(ConsumerGroup, ConsumerGroup, live: true)
            // Revoked partitions are still owned until this returns: their grains write, their offsets are stored, and
            // the client commits them before they move. What cannot be written now is left to the next owner.
            .SetPartitionsRevokedHandler((consumer, revoked) => Revoked(consumer, revoked.Select(p => p.Partition.Value)))
            // Lost (this member was fenced): another member may own them already, so nothing of theirs is stored.
            .SetPartitionsLostHandler((consumer, lost) => Lost(consumer, lost.Select(p => p.Partition.Value)))
            .Build();

    protected override void Handle(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record)
    {
        // Records come in runs of one partition: the last one's progress saves a lookup per record.
        var fed = cachedProgress is { } cached && cachedPartition == record.Partition.Value ? cached : ProgressOf(consumer, record);
        var offset = record.Offset.Value;
        fed.Next = offset + 1;
        if (fed.Poisoned is { } poisoned && poisoned.TryGetValue(offset, out var owed))
        {
            // Dead-lettered when its grain call failed for the last time, or its letter is still to be written.
            if (owed is not null)
            {
                DeadLetterRead(consumer, fed, record, owed);
            }

            return;
        }

        entries.Clear();
        var refused = MapSafely(record);
        if (refused is not null)
        {
            DeadLetterRead(consumer, fed, record, refused);
            return;
        }

        if (fed.Reposts is { } reposts && entries.Identity is { } identity)
        {
            switch (reposts.Check(offset, record.Message.Timestamp.UnixTimestampMs, identity))
            {
                case RepostVerdict.Count:
                    break;
                case RepostVerdict.Repost:
                    OnReposted(changed: false);
                    return;
                case RepostVerdict.Changed:
                    OnReposted(changed: true);
                    DeadLetterRead(consumer, fed, record, ChangedRepostReason);
                    return;
                default:
                    return; // dropped when first read, and reported then
            }
        }

        if (entries.Count == 0)
        {
            return;
        }

        var alone = fed.Suspects is { } suspects && IsSuspect(suspects, offset);
        if (alone)
        {
            // Fed alone, after what came before it and before what comes after, so that each grain still gets its records in order.
            Dispatch(consumer);
            if (fed.Next != offset + 1 || !progress.ContainsKey(record.Partition.Value))
            {
                return; // the batch before it made its partition be read again: it comes again
            }
        }

        var partition = record.Partition.Value;
        for (var i = 0; i < entries.Count; i++)
        {
            var (target, item) = entries[i];
            var key = new CallKey(target, partition, alone ? offset : -1);
            if (!gathering.TryGetValue(key, out var call))
            {
                call = new Gathered(key);
                gathering[key] = call;
            }

            if (call.Items.Count == 0)
            {
                batch.Add(call);
                call.First = offset;
                call.Record = alone ? record : null;
            }

            call.Items.Add(item);
            call.Last = offset;
        }

        fed.Batched++;
        if (batched++ == 0)
        {
            batchStarted = Environment.TickCount64;
        }

        if (alone || batched >= settings.MaxBatch)
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

    /// <summary>Partitions taken away in a rebalance: what was fed is written and stored (if it can be), then forgotten.</summary>
    internal void Revoked(IConsumer<string, byte[]> consumer, IEnumerable<int> partitions)
    {
        Barrier(consumer);
        Forget(partitions);
    }

    /// <summary>Partitions lost (another member may own them already): nothing of theirs is stored.</summary>
    internal void Lost(IConsumer<string, byte[]> consumer, IEnumerable<int> partitions)
    {
        Dispatch(consumer);
        Complete(consumer);
        Forget(partitions);
    }

    /// <summary>The barrier: every grain fed since the last one writes, then each partition whose grains all wrote has its offset stored.</summary>
    internal bool Barrier(IConsumer<string, byte[]> consumer)
    {
        // The batch gathered so far goes with a write; the grains fed since the last barrier that it does not write flush.
        feedFailed = false; // what failed before was read again already; only this barrier's calls keep the input paused
        Dispatch(consumer, write: true);
        var written = new HashSet<FeedTarget>();
        Complete(consumer, written);
        var flushes = new Dictionary<FeedTarget, Task<Guid>>();
        foreach (var fed in progress.Values)
        {
            foreach (var target in fed.Grains.Keys)
            {
                if (!written.Contains(target) && !flushes.ContainsKey(target))
                {
                    flushes[target] = Call(() => FlushAsync(target));
                }
            }
        }

        WaitAll(flushes.Values);
        var failed = false;
        var store = new List<TopicPartitionOffset>();
        foreach (var (partition, fed) in progress.ToArray())
        {
            var replaced = false;
            var unwritten = false;
            foreach (var (target, activation) in fed.Grains)
            {
                if (!flushes.TryGetValue(target, out var flush))
                {
                    continue; // written by the barrier's batch
                }

                if (!flush.IsCompletedSuccessfully)
                {
                    unwritten = true;
                    LogFlushFailed(log, partition, target.ToString(), flush.Exception?.GetBaseException().Message);
                    break;
                }

                replaced |= flush.Result != activation;
            }

            if (unwritten)
            {
                // The grains keep what they applied; the next barrier flushes them again (or finds them replaced).
                failed = true;
            }
            else if (replaced)
            {
                Rewind(consumer, partition);
            }
            else if (fed.Next > fed.From)
            {
                store.Add(new TopicPartitionOffset(InputTopic, partition, fed.Next));
                fed.Stored(fed.Next);
            }
        }

        if (store.Count > 0)
        {
            if (deadLettersPending || FlushOutputBeforeStoring)
            {
                // A dead-lettered record's offset is stored only once its letter is on Kafka (and grains' output, if asked).
                output.Flush();
                deadLettersPending = false;
            }

            consumer.StoreEach(store, (offset, reason) => LogStoreFailed(log, offset.Partition.Value, reason));
        }

        if (failed)
        {
            OnFlushFailed();
            if (!InputPaused)
            {
                PauseInput(consumer);
                LogPaused(log, settings.RetryInterval.TotalSeconds);
            }
        }
        else if (InputPaused && !feedFailed)
        {
            ResumeInput(consumer);
            LogResumed(log);
        }

        return !(failed || feedFailed);
    }

    /// <summary>
    /// Sends the batch (one call per grain and partition, all at once) and leaves it in flight: the next batch is read
    /// meanwhile. A grain's next batch goes only once its previous call has completed (each dispatch first completes
    /// the one before), so every grain gets its records in order.
    /// </summary>
    private void Dispatch(IConsumer<string, byte[]> consumer, bool write = false)
    {
        Complete(consumer);
        if (batched == 0)
        {
            return;
        }

        var calls = new List<SentCall>(batch.Count);
        foreach (var call in batch)
        {
            var items = call.Items.ToArray();
            var target = call.Key.Target;
            calls.Add(new SentCall(call.Key, call.First, call.Last, call.Record, Call(() => SendAsync(target, items, write))));
            call.Items.Clear();
            call.Record = null;
            if (call.Key.Alone >= 0)
            {
                gathering.Remove(call.Key);
            }
        }

        batch.Clear();
        batched = 0;
        foreach (var fed in progress.Values)
        {
            fed.Batched = 0;
        }

        inFlight = calls;
        if (gathering.Count > MaxCachedCalls)
        {
            gathering.Clear();
        }
    }

    /// <summary>
    /// Waits for the batch in flight and checks its calls: a replaced activation or a failed call reads its partition
    /// again (a transient failure also pauses the input); grains whose call wrote their state are added to <paramref name="written"/>.
    /// </summary>
    private void Complete(IConsumer<string, byte[]> consumer, HashSet<FeedTarget>? written = null)
    {
        if (inFlight is not { } calls)
        {
            return;
        }

        inFlight = null;
        WaitAll(calls.Select(c => c.Reply));
        HashSet<int>? rewind = null;
        var transient = false;
        foreach (var call in calls)
        {
            var partition = call.Key.Partition;
            var target = call.Key.Target;
            if (!progress.TryGetValue(partition, out var fed))
            {
                continue; // revoked or lost meanwhile
            }

            if (!call.Reply.IsCompletedSuccessfully)
            {
                var error = call.Reply.Exception?.GetBaseException() ?? new OperationCanceledException("the grain call was canceled");
                if (IsTransient(error))
                {
                    LogFeedFailed(log, target.ToString(), partition, error.Message);
                    transient = true;
                    (rewind ??= []).Add(partition);
                }
                else if (Refused(fed, call, error))
                {
                    (rewind ??= []).Add(partition);
                }

                continue;
            }

            var reply = call.Reply.Result;
            if (call.Record is { } alone)
            {
                fed.Failures?.Remove(alone.Offset.Value);
            }
            else if (fed.Suspects is { } suspects && suspects.TryGetValue(target, out var suspect) && !suspect.Alone)
            {
                suspects.Remove(target); // not failures in a row any more
            }

            if (fed.Grains.TryGetValue(target, out var seen) && seen != reply.Activation)
            {
                (rewind ??= []).Add(partition); // the activation fed earlier is gone, maybe with records it had not written
            }
            else
            {
                fed.Grains[target] = reply.Activation;
                if (reply.Written)
                {
                    written?.Add(target);
                }
            }
        }

        foreach (var partition in rewind ?? [])
        {
            Rewind(consumer, partition);
        }

        if (transient || letterUnwritten)
        {
            // Reading again at once would call the same unreachable grains (or producer) in a tight loop: pause, and let the barrier retry after a while.
            letterUnwritten = false;
            PauseToRetry(consumer);
        }
    }

    /// <summary>Pauses the input until the next barrier, due within <see cref="GrainFeedOptions.RetryInterval"/>, which resumes it if its own calls succeed.</summary>
    private void PauseToRetry(IConsumer<string, byte[]> consumer)
    {
        feedFailed = true;
        if (!InputPaused)
        {
            PauseInput(consumer);
            LogFeedsPaused(log, settings.RetryInterval.TotalSeconds);
        }

        var retryAt = clock.GetUtcNow() + settings.RetryInterval;
        nextBarrier = retryAt < nextBarrier ? retryAt : nextBarrier;
    }

    /// <summary>
    /// A grain call failed over what it carried. Counted: records fed together become suspects after
    /// <see cref="PoisonAfterFailures"/> failures in a row (they are then fed one at a time); a record fed
    /// alone is dead-lettered after as many. Returns whether the partition is to be read again (to retry).
    /// </summary>
    private bool Refused(PartitionProgress fed, SentCall call, Exception error)
    {
        var target = call.Key.Target;
        var reason = $"{target.Grain} grain {target.Key} failed: {error.GetType().Name}: {error.Message}";
        if (call.Record is { } record)
        {
            var failures = fed.Failures ??= [];
            var offset = record.Offset.Value;
            var count = failures[offset] = failures.GetValueOrDefault(offset) + 1;
            LogRecordRefused(log, target.ToString(), call.Key.Partition, offset, count, PoisonAfterFailures, error.Message);
            if (count < PoisonAfterFailures)
            {
                return true;
            }

            if (!TryDeadLetter(fed, record, $"{reason} ({count} times, fed alone)"))
            {
                // Its letter is owed: read the partition again after a pause; the record is then skipped once its letter is written.
                letterUnwritten = true;
                return true;
            }

            failures.Remove(offset);
            return false; // what follows it was gathered after it and goes on
        }

        var suspects = fed.Suspects ??= [];
        var suspect = suspects.TryGetValue(target, out var known) && known.First <= call.Last && call.First <= known.Last
            ? known with { Failures = known.Failures + 1, First = Math.Min(known.First, call.First), Last = Math.Max(known.Last, call.Last) }
            : new Suspect(1, call.First, call.Last, false);
        suspect = suspect with { Alone = suspect.Failures >= PoisonAfterFailures };
        suspects[target] = suspect;
        LogCallRefused(log, target.ToString(), call.Key.Partition, call.First, call.Last, suspect.Failures, error.Message);
        return true;
    }

    /// <summary>Reads the partition again from its last stored offset; the grains ignore what they applied already.</summary>
    private void Rewind(IConsumer<string, byte[]> consumer, int partition)
    {
        var fed = progress[partition];
        OnRewound();
        LogRewind(log, InputTopic, partition, fed.From);
        try
        {
            consumer.Seek(new TopicPartitionOffset(InputTopic, partition, fed.From));
            fed.Next = fed.From;
            fed.Grains.Clear();
            DropBatched(partition);
        }
        catch (KafkaException ex)
        {
            // Not assigned any more: its next owner reads from the stored offset anyway.
            LogRewindFailed(log, partition, ex.Error.Reason);
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
        foreach (var call in batch)
        {
            if (call.Key.Partition == partition)
            {
                call.Items.Clear();
                call.Record = null;
            }
        }

        batch.RemoveAll(c => c.Items.Count == 0);
        var fed = progress[partition];
        batched -= fed.Batched;
        fed.Batched = 0;
    }

    private PartitionProgress ProgressOf(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record)
    {
        var partition = record.Partition.Value;
        if (!progress.TryGetValue(partition, out var fed))
        {
            // The first record read after the assignment: where reading resumed (the committed offset). Before it is
            // checked, the identities the partition's previous reader remembered are read back.
            var offset = record.Offset.Value;
            fed = new PartitionProgress(offset) { Reposts = RebuildReposts(consumer, record) };
            progress[partition] = fed;
        }

        (cachedPartition, cachedProgress) = (partition, fed);
        return fed;
    }

    private RepostFilter? RebuildReposts(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> first)
    {
        if (settings.RepostHorizon <= TimeSpan.Zero || !DropsReposts)
        {
            return null;
        }

        if (kafka is null)
        {
            return new RepostFilter(settings.RepostHorizon); // tests: nothing to read back
        }

        history ??= new RepostHistory(kafka, ConsumerGroup, log);
        var rebuilt = history.Rebuild(consumer, first.TopicPartition, first.Offset.Value, first.Message.Timestamp.UnixTimestampMs, IdentityOf, settings);
        OnRebuilt(rebuilt.Records, rebuilt.CutShort);
        return rebuilt.Filter;
    }

    private EventIdentity? IdentityOf(ConsumeResult<string, byte[]> record)
    {
        entries.Clear();
        return MapSafely(record) is null ? entries.Identity : null;
    }

    /// <summary>Runs <see cref="Map"/>: null if the record is fine, else why it is dead-lettered.</summary>
    private string? MapSafely(ConsumeResult<string, byte[]> record)
    {
        try
        {
            Map(record, entries);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return $"reading the record failed: {ex.GetType().Name}: {ex.Message}";
        }

        if (entries.Refused is { } reason)
        {
            return reason;
        }

        for (var i = 0; i < entries.Count; i++)
        {
            var target = entries[i].Target;
            if (FeedTarget.Refuses(target.Key) is { } why)
            {
                return $"the {target.Grain} grain key {why}";
            }
        }

        return null;
    }

    /// <summary>
    /// Dead-letters the record being read. A letter the producer refuses (<see cref="DeadLetterNotWrittenException"/>) is
    /// handled as the consume loop does: the record is read again after a pause (the partition is sought back to it and
    /// the input paused until the next barrier), never skipped without its letter nor the end of the feed.
    /// </summary>
    private void DeadLetterRead(IConsumer<string, byte[]> consumer, PartitionProgress fed, ConsumeResult<string, byte[]> record, string reason)
    {
        if (TryDeadLetter(fed, record, reason))
        {
            return;
        }

        var offset = record.Offset.Value;
        try
        {
            consumer.Seek(new TopicPartitionOffset(InputTopic, record.Partition, offset));
            fed.Next = offset; // nothing at or past it is stored before its letter is written
        }
        catch (KafkaException ex)
        {
            // Not assigned any more: nothing more of it is stored here; its next owner reads it from the stored offset.
            LogRewindFailed(log, record.Partition.Value, ex.Error.Reason);
            progress.Remove(record.Partition.Value);
            cachedProgress = null;
        }

        PauseToRetry(consumer);
    }

    /// <summary>
    /// Writes the record's letter. If the producer refuses it, the letter is owed (<see cref="PartitionProgress.Poisoned"/>
    /// keeps its reason: read again, a re-post's verdict would not be given twice) and false is returned.
    /// </summary>
    private bool TryDeadLetter(PartitionProgress fed, ConsumeResult<string, byte[]> record, string reason)
    {
        var offset = record.Offset.Value;
        try
        {
            output.DeadLetter(ConsumerGroup, record, reason);
        }
        catch (DeadLetterNotWrittenException ex)
        {
            (fed.Poisoned ??= [])[offset] = reason;
            LogLetterNotWritten(log, record.Partition.Value, offset, ex.Message);
            return false;
        }

        (fed.Poisoned ??= [])[offset] = null; // written: skipped if read again (a rewind), not lettered twice
        deadLettersPending = true;
        OnDeadLettered(reason);
        LogDeadLettered(log, record.Topic ?? InputTopic, record.Partition.Value, offset, reason);
        return true;
    }

    private static bool IsSuspect(Dictionary<FeedTarget, Suspect> suspects, long offset)
    {
        foreach (var suspect in suspects.Values)
        {
            if (suspect.Alone && offset >= suspect.First && offset <= suspect.Last)
            {
                return true;
            }
        }

        return false;
    }

    private void Forget(IEnumerable<int> partitions)
    {
        foreach (var partition in partitions)
        {
            progress.Remove(partition);
        }

        cachedProgress = null;
    }

    /// <summary>A grain call as a task, whether the call fails when made or later.</summary>
    private static Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return call();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return Task.FromException<T>(ex);
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

    /// <summary>A grain call being gathered: one grain, one partition (and one record when fed alone, <see cref="Alone"/> its offset).</summary>
    private readonly record struct CallKey(FeedTarget Target, int Partition, long Alone);

    private sealed class Gathered(CallKey key)
    {
        public CallKey Key { get; } = key;

        public List<TItem> Items { get; } = [];

        public long First { get; set; }

        public long Last { get; set; }

        /// <summary>The record, when it is fed alone (to dead-letter it).</summary>
        public ConsumeResult<string, byte[]>? Record { get; set; }
    }

    private sealed record SentCall(CallKey Key, long First, long Last, ConsumeResult<string, byte[]>? Record, Task<FeedReply> Reply);

    /// <summary>Records a grain failed over, <see cref="Failures"/> times in a row; <see cref="Alone"/>: they are fed one at a time.</summary>
    private sealed record Suspect(int Failures, long First, long Last, bool Alone);

    /// <summary>
    /// A partition's reading since its last stored offset: <see cref="From"/> (that offset), <see cref="Next"/> (after
    /// the last record read), the grains fed meanwhile with the activation that applied their records, and what poison
    /// isolation knows of it.
    /// </summary>
    private sealed class PartitionProgress(long from)
    {
        public long From { get; private set; } = from;

        public long Next { get; set; } = from;

        /// <summary>Records of the partition in the batch being gathered.</summary>
        public int Batched { get; set; }

        public Dictionary<FeedTarget, Guid> Grains { get; } = [];

        /// <summary>The partition's event identities, to drop re-posts (null: off, or the records have none).</summary>
        public RepostFilter? Reposts { get; init; }

        public Dictionary<FeedTarget, Suspect>? Suspects { get; set; }

        /// <summary>Failures in a row of records fed alone, by offset.</summary>
        public Dictionary<long, int>? Failures { get; set; }

        /// <summary>
        /// Offsets dead-lettered (null) or whose letter the producer refused (its reason, written when read again):
        /// skipped when read again.
        /// </summary>
        public Dictionary<long, string?>? Poisoned { get; set; }

        public void Stored(long offset)
        {
            From = offset;
            Grains.Clear();
            Reposts?.Stored(offset);
            if (Suspects is { } suspects)
            {
                foreach (var (target, suspect) in suspects.ToArray())
                {
                    if (suspect.Last < offset)
                    {
                        suspects.Remove(target);
                    }
                }
            }

            Failures?.Clear();
            if (Poisoned is { Count: > 0 } poisoned)
            {
                foreach (var dead in poisoned.Keys.Where(o => o < offset).ToList())
                {
                    poisoned.Remove(dead);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Dead-lettered {Topic} record at partition {Partition} offset {Offset}: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string topic, int partition, long offset, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Partition {Partition}: the dead letter of offset {Offset} was not written ({Reason}); reading it again after a pause")]
    private static partial void LogLetterNotWritten(ILogger logger, int partition, long offset, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feeding {Grain} (partition {Partition}) failed; reading the partition again: {Reason}")]
    private static partial void LogFeedFailed(ILogger logger, string grain, int partition, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Grain} refused offsets {First} to {Last} of partition {Partition} ({Failures} in a row); reading them again: {Reason}")]
    private static partial void LogCallRefused(ILogger logger, string grain, int partition, long first, long last, int failures, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Grain} refused the record at partition {Partition} offset {Offset} fed alone ({Failures} of {Max}): {Reason}")]
    private static partial void LogRecordRefused(ILogger logger, string grain, int partition, long offset, int failures, int max, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Partition}: {Grain} could not write its state: {Reason}")]
    private static partial void LogFlushFailed(ILogger logger, int partition, string grain, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Grain storage failing: input paused, retrying every {Seconds} s")]
    private static partial void LogPaused(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feeding grains failed: input paused, retrying in {Seconds} s")]
    private static partial void LogFeedsPaused(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Grains write again: input resumed")]
    private static partial void LogResumed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Topic} partition {Partition}: reading again from offset {Offset}")]
    private static partial void LogRewind(ILogger logger, string topic, int partition, long offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Partition}: could not read again ({Reason}); left to its next owner")]
    private static partial void LogRewindFailed(ILogger logger, int partition, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing the offset of partition {Partition} failed: {Reason}")]
    private static partial void LogStoreFailed(ILogger logger, int partition, string reason);
}
