using Streaming.Events;
using Streaming.Kafka;
using Streaming.Topology;

namespace Streaming.Metrics.ProductEvents;

/// <summary>
/// events → product-events, keyed by product: every event about one product (views, wishlists, bookings and
/// cancellations), so that each product's events meet in one partition. Popularity windows them; the profiles service
/// feeds its grains with them. Records carry their source position, and readers drop re-sends after a crash by it.
/// </summary>
internal static class ProductEventsTopology
{
    public const string Stage = "product-events";

    public static RepartitionTopology<AppEvent> Define(MetricOptions options) =>
        // The stage forwards each record's bytes: it reads only what routes it (every field still checked).
        TopologyBuilder.From(options.TopologyName(Stage), Topics.Events, AppEventFormat.Routing, static e => e.OccurredAt)
            // Only the product types: another type with a stray product id is not about that product.
            .Where(static e => e.ProductId is not null && EventTypes.WithProduct.Contains(e.Type))
            .RepartitionBy(Topics.ProductEvents, static e => e.ProductId!)
            .AsRepartitionTopology();
}
