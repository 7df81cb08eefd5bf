using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Streaming.Kafka;
using Streaming.Topology.Kafka;

namespace Streaming.Metrics.Popularity;

/// <summary>Views, wishlists, bookings and a weighted score per product per minute, read from the product-events stage.</summary>
internal sealed class PopularityMetric : IMetric
{
    public static readonly PopularityMetric Instance = new();

    private PopularityMetric()
    {
    }

    public string Name => PopularityTopology.Metric;

    public string ResultTopic => Topics.MetricsPopularity;

    public ISinkTable SinkTable => PopularityTable.Sink;

    public int SchemaVersion => 2;

    public IReadOnlyList<string> SchemaStatements => PopularityTable.Schema;

    public IReadOnlyList<string> Views => [PopularityTable.PerMinute, PopularityTable.PerHour, PopularityTable.PerDay];

    public void AddTopology(IServiceCollection services) =>
        services.AddWindowedTopology(sp => PopularityTopology.Define(sp.GetRequiredService<IOptions<MetricOptions>>().Value));
}
