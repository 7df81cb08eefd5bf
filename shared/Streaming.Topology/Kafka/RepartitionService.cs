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
/// repartition topic. Input offsets are committed only after the producer delivered everything before them; after a
/// crash the records since the last commit are sent again, and the windowing stage recognises them by their source
/// position and drops them. One "process" span per commit interval links the records' producers; the records sent
/// meanwhile carry its context.
/// </summary>
internal sealed partial class RepartitionService<TEvent>(
    SourceStream<TEvent> source,
    KafkaClients kafka,
    TopologyRuntimeOptions options,
    TimeProvider clock,
    ILogger<RepartitionService<TEvent>> logger,
    IHostApplicationLifetime lifetime) : ConsumeLoopService(logger, lifetime)
    where TEvent : class
{
    private readonly RepartitionStep<TEvent> step = source.Repartition
        ?? throw new ArgumentException($"Topology '{source.Name}' has no repartition step.", nameof(source));
    private readonly string name = source.Name + "-repartition";
    private readonly string inputTopic = kafka.Options.Name(source.Topic);
    private readonly ConsumerBatchSpan span = new(TopologyTelemetry.Source, kafka.Options.Name(source.Topic), source.Name + "-repartition");
    private RecordProducer? producer;
    private RepartitionStage<TEvent>? stage;
    private DateTimeOffset nextCommit;
    private bool uncommitted;

    protected override IReadOnlyCollection<string> InputTopics => [inputTopic];

    protected override string ConsumerGroup => name;

    protected override IConsumer<string, byte[]> CreateConsumer()
    {
        producer = kafka.CreateProducer(name);
        var deadLetters = new KafkaDeadLetters(new DeadLetterWriter(producer, kafka.Options, name, clock), inputTopic, logger);
        stage = new RepartitionStage<TEvent>(source, new KafkaRepartitionOutput(kafka.Options.Name(step.Topic), producer, deadLetters));
        return kafka.CreateConsumerBuilder(name, name)
            .SetPartitionsRevokedHandler((consumer, _) => FlushAndCommit(consumer))
            .Build();
    }

    protected override void Handle(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record)
    {
        span.Add(record.Message.Headers);
        stage!.Route(new InputRecord(record.Partition.Value, record.Offset.Value, record.Message.Key, record.Message.Value));
        consumer.StoreOffset(record);
        uncommitted = true;
    }

    protected override void Tick(IConsumer<string, byte[]> consumer)
    {
        if (clock.GetUtcNow() >= nextCommit)
        {
            FlushAndCommit(consumer);
            nextCommit = clock.GetUtcNow() + options.CommitInterval;
        }
    }

    protected override void Stopping(IConsumer<string, byte[]> consumer) => FlushAndCommit(consumer);

    private void FlushAndCommit(IConsumer<string, byte[]> consumer)
    {
        if (!uncommitted)
        {
            return;
        }

        producer!.FlushAndThrowIfFailed(TimeSpan.FromSeconds(60));
        try
        {
            consumer.Commit();
            uncommitted = false;
        }
        catch (KafkaException ex)
        {
            LogCommitFailed(logger, ex.Error.Reason);
        }

        span.Stop();
    }

    public override void Dispose()
    {
        producer?.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Committing offsets failed: {Reason}")]
    private static partial void LogCommitFailed(ILogger logger, string reason);
}
