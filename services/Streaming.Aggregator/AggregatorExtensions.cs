using Streaming.Kafka;
using Streaming.Metrics;
using Streaming.ServiceDefaults;
using Streaming.Topology.Kafka;
using Streaming.Topology.Status;

namespace Streaming.Aggregator;

public static class AggregatorExtensions
{
    public static WebApplicationBuilder AddAggregator(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<KafkaOptions>(KafkaOptions.Section);
        builder.Services.AddValidatedOptions<MetricOptions>(MetricOptions.Section);
        builder.Services.AddValidatedOptions<TopologyRuntimeOptions>(MetricOptions.Section);
        builder.Services.AddSingleton<KafkaClients>();
        foreach (var metric in MetricCatalog.Metrics)
        {
            metric.AddTopology(builder.Services);
        }

        return builder;
    }

    public static WebApplication MapAggregatorEndpoints(this WebApplication app)
    {
        // Operational counters of this instance's tasks; the aggregator has no public ingress.
        app.MapGet("/v1/status", (TaskStatusBoard board) => Results.Json(board.Snapshot(), StatusJsonContext.Default.AggregatorStatus));
        return app;
    }
}
