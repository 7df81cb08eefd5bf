using System.Text.Json;
using Confluent.Kafka;
using Streaming.Events;
using Streaming.Kafka;

namespace Streaming.Profiles.ProductEvents;

/// <summary>Reads product-events (keyed by product) in its own group and counts product views; the client commits every second.</summary>
public sealed class ProductEventsConsumer(
    KafkaClients kafka, ProductViewCounter counter, ILogger<ProductEventsConsumer> logger, IHostApplicationLifetime lifetime)
    : ConsumeLoopService(logger, lifetime)
{
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
}
