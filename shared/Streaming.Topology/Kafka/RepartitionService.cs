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
internal sealed class RepartitionService<TEvent>(
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
    private RepartitionStage<TEvent>? stage;
    private OffsetsAfterOutput? offsets;
    private DeadLetterWriter? deadLetters;

    protected override IReadOnlyCollection<string> InputTopics => [inputTopic];

    protected override string ConsumerGroup => name;

    protected override IConsumer<string, byte[]> CreateConsumer()
    {
        var letters = DisposeWithService(kafka.CreateProducer(name)); // dead letters
        // Records in batches of up to 50 ms: commits are every few seconds anyway, and larger batches cost less per record.
        var records = DisposeWithService(kafka.CreateBulkProducer(name, kafka.Options.Name(step.Topic), linger: TimeSpan.FromMilliseconds(50)));
        deadLetters = new DeadLetterWriter(letters, kafka.Options, name, clock);
        stage = new RepartitionStage<TEvent>(source, new KafkaRepartitionOutput(records, new KafkaDeadLetters(deadLetters, inputTopic, logger)));
        // What is sent again after a crash or for a lost partition, the windowing stage drops by source position.
        offsets = new OffsetsAfterOutput(inputTopic, () =>
        {
            records.FlushAndThrowIfFailed(TimeSpan.FromSeconds(60));
            letters.FlushAndThrowIfFailed(TimeSpan.FromSeconds(60));
        }, span, options.CommitInterval, clock, logger);
        return offsets.HandleRebalances(kafka.CreateConsumerBuilder(name, name, live, withoutTopicAndTimestamp: true)).Build();
    }

    protected override void Handle(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record)
    {
        span.Add(record.Message.Headers);
        stage!.Route(new InputRecord(record.Partition.Value, record.Offset.Value, record.Message.Key, record.Message.Value));
        offsets!.Handled(record);
    }

    protected override bool TickWhileReadingAtMostPerMillisecond => true; // its work is due every few seconds

    /// <summary>
    /// A record whose routing throws from its data (a key function given what it does not expect) is dead-lettered and
    /// counted as handled; a record read again after a transient failure may be sent twice, which the windowing stage
    /// drops by its source position.
    /// </summary>
    protected override DeadLetterWriter? DeadLetters => deadLetters;

    protected override void Skipped(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record) => offsets!.Handled(record);

    protected override void Tick(IConsumer<string, byte[]> consumer) => offsets!.StoreIfDue(consumer);

    protected override void Stopping(IConsumer<string, byte[]> consumer) => offsets!.Store(consumer);
}
