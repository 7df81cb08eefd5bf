using Streaming.Kafka;
using Streaming.Metrics;
using Streaming.ServiceDefaults;
using Streaming.Topology.Kafka;

namespace Streaming.Aggregator;

public static class AggregatorExtensions
{
    public static WebApplicationBuilder AddAggregator(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<KafkaOptions>(KafkaOptions.Section);
        builder.Services.AddValidatedOptions<MetricOptions>(MetricOptions.Section);
        builder.Services.AddValidatedOptions<TopologyRuntimeOptions>(TopologyRuntimeOptions.Section);
        builder.Services.AddSingleton<KafkaClients>();
        foreach (var stage in MetricCatalog.Stages)
        {
            stage.AddTopology(builder.Services);
        }

        foreach (var metric in MetricCatalog.Metrics)
        {
            metric.AddTopology(builder.Services);
        }

        return builder;
    }

    public static WebApplication MapAggregatorEndpoints(this WebApplication app)
    {
        // Operational counters of this instance's tasks; the aggregator has no public ingress.
        app.MapTopologyStatus("/v1/status");
        return app;
    }
}
