using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Streaming.Events;
using Streaming.Kafka;

namespace Streaming.Aggregator.Repartition;

/// <summary>
/// events (keyed by user) → product-events (keyed by product), so that each product's events meet in one partition
/// and per-product windows have a single owner. Unreadable records go to the dead-letter topic with the reason.
/// Input offsets are committed only after the producer has delivered everything before them; after a crash, records
/// since the last commit are sent again with their source position, and the windowing stage drops the repeats.
/// </summary>
public sealed partial class ProductRepartitioner(
    KafkaClients kafka,
    IOptions<AggregatorOptions> options,
    TimeProvider clock,
    ILogger<ProductRepartitioner> logger,
    IHostApplicationLifetime lifetime) : ConsumeLoopService(logger, lifetime)
{
    private readonly string outputTopic = kafka.Options.Name(Topics.ProductEvents);
    private readonly DeliveryTracker deliveries = new();
    private IProducer<string, byte[]>? producer;
    private DeadLetterWriter? deadLetters;
    private DateTimeOffset nextCommit;
    private bool uncommitted;
    private long handled;
    private long produced;

    protected override IReadOnlyCollection<string> InputTopics => [kafka.Options.Name(Topics.Events)];

    protected override IConsumer<string, byte[]> CreateConsumer()
    {
        producer = kafka.CreateProducer("aggregator-repartition");
        deadLetters = new DeadLetterWriter(producer, kafka.Options, "aggregator-repartition", clock, deliveries);
        return kafka.CreateConsumerBuilder(options.Value.GroupId + "-repartition", "aggregator-repartition")
            .SetPartitionsRevokedHandler((consumer, _) => FlushAndCommit(consumer))
            .Build();
    }

    protected override void Handle(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record)
    {
        handled++;
        if (!RecordJson.TryRead(record.Message.Value, EventJsonContext.Default.AppEvent, out var appEvent, out var reason))
        {
            deadLetters!.Write(record, reason);
            LogDeadLetter(logger, record.Partition.Value, record.Offset.Value, reason);
        }
        else if (appEvent.ProductId is { } product)
        {
            produced++;
            producer!.ProduceWithBackpressure(outputTopic, new Message<string, byte[]>
            {
                Key = product,
                Value = record.Message.Value,
                Timestamp = new Timestamp(appEvent.OccurredAt),
                Headers = new SourcePosition(record.Partition.Value, record.Offset.Value).ToHeaders(),
            }, deliveries.Handler);
        }

        consumer.StoreOffset(record);
        uncommitted = true;
    }

    protected override void Tick(IConsumer<string, byte[]> consumer)
    {
        if (clock.GetUtcNow() >= nextCommit)
        {
            FlushAndCommit(consumer);
            nextCommit = clock.GetUtcNow() + options.Value.CommitInterval;
        }
    }

    protected override void Stopping(IConsumer<string, byte[]> consumer) => FlushAndCommit(consumer);

    private void FlushAndCommit(IConsumer<string, byte[]> consumer)
    {
        if (!uncommitted)
        {
            return;
        }

        deliveries.ThrowIfFailed(producer!, TimeSpan.FromSeconds(60));
        try
        {
            consumer.Commit();
            uncommitted = false;
            LogProgress(logger, handled, produced);
        }
        catch (KafkaException ex)
        {
            LogCommitFailed(logger, ex.Error.Reason);
        }
    }

    public override void Dispose()
    {
        producer?.Flush(TimeSpan.FromSeconds(10));
        producer?.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Repartitioned: {Handled} records read, {Produced} written")]
    private static partial void LogProgress(ILogger logger, long handled, long produced);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Committing offsets failed: {Reason}")]
    private static partial void LogCommitFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead-lettered partition {Partition} offset {Offset}: {Reason}")]
    private static partial void LogDeadLetter(ILogger logger, int partition, long offset, string reason);
}
