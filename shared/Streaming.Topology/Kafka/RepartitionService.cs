using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Streaming.Kafka;

namespace Streaming.Topology.Kafka;

/// <summary>
/// Runs the repartition stage of a topology: source topic → repartition topic keyed by the new key, each record with
/// its source position in headers. Unreadable records go to the dead-letter topic with the reason. Input offsets are
/// committed only after the producer delivered everything before them; after a crash the records since the last
/// commit are sent again, and the windowing stage recognises them by their source position and drops them.
/// </summary>
public sealed partial class RepartitionService<TEvent>(
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
    private RecordProducer? producer;
    private DeadLetterWriter? deadLetters;
    private string outputTopic = "";
    private DateTimeOffset nextCommit;
    private bool uncommitted;

    protected override IReadOnlyCollection<string> InputTopics => [kafka.Options.Name(source.Topic)];

    protected override IConsumer<string, byte[]> CreateConsumer()
    {
        outputTopic = kafka.Options.Name(step.Topic);
        producer = kafka.CreateProducer(name);
        deadLetters = new DeadLetterWriter(producer, kafka.Options, name, clock);
        return kafka.CreateConsumerBuilder(name, name)
            .SetPartitionsRevokedHandler((consumer, _) => FlushAndCommit(consumer))
            .Build();
    }

    protected override void Handle(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record)
    {
        if (!source.Format.TryRead(record.Message.Value, out var appEvent, out var reason))
        {
            deadLetters!.Write(record, reason);
            LogDeadLetter(logger, record.Partition.Value, record.Offset.Value, reason);
        }
        else if (source.Filter is null || source.Filter(appEvent))
        {
            producer!.Send(outputTopic, step.Key(appEvent), record.Message.Value,
                new SourcePosition(record.Partition.Value, record.Offset.Value).ToHeaders(), source.EventTime(appEvent));
        }

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
    }

    public override void Dispose()
    {
        producer?.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Committing offsets failed: {Reason}")]
    private static partial void LogCommitFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead-lettered partition {Partition} offset {Offset}: {Reason}")]
    private static partial void LogDeadLetter(ILogger logger, int partition, long offset, string reason);
}
