using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Streaming.Kafka;
using Streaming.Topology.Kafka;

namespace Streaming.Metrics.ProductEvents;

/// <summary>The product-events repartition as the aggregator runs it: read by popularity and by the profiles service.</summary>
internal sealed class ProductEventsStage : IStreamStage
{
    public static readonly ProductEventsStage Instance = new();

    private ProductEventsStage()
    {
    }

    public string Name => ProductEventsTopology.Stage;

    public string OutputTopic => Topics.ProductEvents;

    public void AddTopology(IServiceCollection services) =>
        // Live: the profile silos read its output, and every change they make goes to live subscribers.
        services.AddRepartitionTopology(sp => ProductEventsTopology.Define(sp.GetRequiredService<IOptions<MetricOptions>>().Value), live: true);
}
