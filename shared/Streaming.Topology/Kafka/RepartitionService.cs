using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Streaming.Kafka;
using Streaming.Kafka.Telemetry;
using Streaming.Topology.Processing;
using Streaming.Topology.Telemetry;

namespace Streaming.Topology.Kafka;

/// <summary>
/// Runs the repartition stage of a topology on Kafka: source topic → <see cref="RepartitionStage{TEvent}"/> →
/// repartition topic. Input offsets are stored for commit only after the producer delivered everything before them;
/// after a crash the records since the last commit are sent again, and the windowing stage recognises them by their
/// source position and drops them. One "process" span per commit interval links the records' producers; the records
/// sent meanwhile carry its context. A <paramref name="live"/> stage (on the path from an event to a live subscriber)
/// fetches with the short <see cref="KafkaOptions.LiveFetchWaitMaxMs"/>.
/// </summary>
internal sealed partial class RepartitionService<TEvent>(
    SourceStream<TEvent> source,
    KafkaClients kafka,
    TopologyRuntimeOptions options,
    TimeProvider clock,
    ILogger<RepartitionService<TEvent>> logger,
    IHostApplicationLifetime lifetime,
    bool live = false) : ConsumeLoopService(logger, lifetime)
    where TEvent : class
{
    private readonly RepartitionStep<TEvent> step = source.Repartition
        ?? throw new ArgumentException($"Topology '{source.Name}' has no repartition step.", nameof(source));
    private readonly string name = RepartitionTopology<TEvent>.RepartitionGroup(source.Name);
    private readonly string inputTopic = kafka.Options.Name(source.Topic);
    private readonly ConsumerBatchSpan span = new(TopologyTelemetry.Source, kafka.Options.Name(source.Topic), RepartitionTopology<TEvent>.RepartitionGroup(source.Name));
    private RecordProducer? producer; // dead letters
    private BulkProducer? records; // the repartition topic
    private RepartitionStage<TEvent>? stage;
    /// <summary>Per input partition, the offset after the last record routed: stored once the producer delivered it.</summary>
    private readonly Dictionary<int, long> routed = [];
    private DateTimeOffset nextCommit;

    protected override IReadOnlyCollection<string> InputTopics => [inputTopic];

    protected override string ConsumerGroup => name;

    protected override IConsumer<string, byte[]> CreateConsumer()
    {
        producer = DisposeWithService(kafka.CreateProducer(name));
        // Records in batches of up to 50 ms: commits are every few seconds anyway, and larger batches cost less per record.
        records = DisposeWithService(kafka.CreateBulkProducer(name, kafka.Options.Name(step.Topic), linger: TimeSpan.FromMilliseconds(50)));
        var deadLetters = new KafkaDeadLetters(new DeadLetterWriter(producer, kafka.Options, name, clock), inputTopic, logger);
        stage = new RepartitionStage<TEvent>(source, new KafkaRepartitionOutput(records, deadLetters));
        // Incremental rebalances: on a revoke, everything routed is flushed and stored (the kept partitions are still
        // owned too), and the client commits the revoked ones before they move. Lost partitions (this member was
        // fenced) are not stored: another member may own them; what was sent for them since the last commit is sent
        // again by that member and dropped downstream.
        return kafka.CreateConsumerBuilder(name, name, live, withoutTopicAndTimestamp: true)
            .SetPartitionsRevokedHandler((consumer, revoked) =>
            {
                FlushAndCommit(consumer);
                Forget(revoked);
            })
            .SetPartitionsLostHandler((_, lost) =>
            {
                Forget(lost);
                LogLost(logger, lost.Count);
            })
            .Build();
    }

    protected override void Handle(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record)
    {
        span.Add(record.Message.Headers);
        stage!.Route(new InputRecord(record.Partition.Value, record.Offset.Value, record.Message.Key, record.Message.Value));
        routed[record.Partition.Value] = record.Offset.Value + 1; // by number: one input topic, and no topic name to hash per record
    }

    protected override bool TickWhileReadingAtMostPerMillisecond => true; // its work is due every few seconds

    protected override void Tick(IConsumer<string, byte[]> consumer)
    {
        if (clock.GetUtcNow() >= nextCommit)
        {
            FlushAndCommit(consumer);
            nextCommit = clock.GetUtcNow() + options.CommitInterval;
        }
    }

    protected override void Stopping(IConsumer<string, byte[]> consumer) => FlushAndCommit(consumer);

    /// <summary>Once the producer delivered everything sent so far, the offsets after it are stored for the client to commit.</summary>
    private void FlushAndCommit(IConsumer<string, byte[]> consumer)
    {
        if (routed.Count == 0)
        {
            return;
        }

        records!.FlushAndThrowIfFailed(TimeSpan.FromSeconds(60));
        producer!.FlushAndThrowIfFailed(TimeSpan.FromSeconds(60));
        // A partition revoked meanwhile cannot be stored: its next owner re-sends from the last commit, and the
        // windowing stage drops the re-sends by source position.
        consumer.StoreEach(routed.Select(r => new TopicPartitionOffset(inputTopic, r.Key, r.Value)), (offset, reason) => LogStoreFailed(logger, offset.Partition.Value, reason));
        routed.Clear();

        span.Stop();
    }

    private void Forget(List<TopicPartitionOffset> partitions)
    {
        foreach (var partition in partitions)
        {
            routed.Remove(partition.Partition.Value);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} partitions lost (fenced from the group); their offsets are left to the next owner")]
    private static partial void LogLost(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing the offset of partition {Partition} failed: {Reason}")]
    private static partial void LogStoreFailed(ILogger logger, int partition, string reason);
}
