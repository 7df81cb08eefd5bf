using System.Text.Json;
using Confluent.Kafka;
using Streaming.Events;
using Streaming.Kafka;

namespace Streaming.Profiles.ProductEvents;

/// <summary>Reads product-events (keyed by product) in its own group and counts product views; commits every second.</summary>
public sealed class ProductEventsConsumer(
    KafkaClients kafka, ProductViewCounter counter, TimeProvider clock, ILogger<ProductEventsConsumer> logger, IHostApplicationLifetime lifetime)
    : ConsumeLoopService(logger, lifetime)
{
    private DateTimeOffset nextCommit;

    protected override IReadOnlyCollection<string> InputTopics => [kafka.Options.Name(Topics.ProductEvents)];

    protected override string ConsumerGroup => "profiles";

    protected override IConsumer<string, byte[]> CreateConsumer() => kafka.CreateConsumerBuilder(ConsumerGroup, "profiles").Build();

    protected override void Handle(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record)
    {
        consumer.StoreOffset(record);
        try
        {
            if (JsonSerializer.Deserialize(record.Message.Value, EventJsonContext.Default.AppEvent) is { Type: EventTypes.ProductView, ProductId: { } product })
            {
                counter.CountView(product);
            }
        }
        catch (JsonException)
        {
            // The aggregator dead-letters unreadable events; profiles only skips them.
        }
    }

    protected override void Tick(IConsumer<string, byte[]> consumer)
    {
        if (clock.GetUtcNow() < nextCommit)
        {
            return;
        }

        nextCommit = clock.GetUtcNow().AddSeconds(1);
        try
        {
            consumer.Commit();
        }
        catch (KafkaException)
        {
            // Nothing stored yet, or a rebalance is under way; the next tick commits.
        }
    }
}
