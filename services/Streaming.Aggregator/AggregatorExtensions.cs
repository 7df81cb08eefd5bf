using Microsoft.Extensions.Options;
using Streaming.Aggregator.Bookings;
using Streaming.Aggregator.ConcurrentUsers;
using Streaming.Aggregator.Popularity;
using Streaming.Kafka;
using Streaming.ServiceDefaults;
using Streaming.Topology.Kafka;
using Streaming.Topology.Status;

namespace Streaming.Aggregator;

public static class AggregatorExtensions
{
    public static WebApplicationBuilder AddAggregator(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<KafkaOptions>(KafkaOptions.Section);
        builder.Services.AddValidatedOptions<AggregatorOptions>(AggregatorOptions.Section);
        builder.Services.AddValidatedOptions<TopologyRuntimeOptions>(AggregatorOptions.Section);
        builder.Services.AddSingleton<KafkaClients>();
        builder.Services.AddWindowedTopology(sp => ConcurrentUsersTopology.Define(Options(sp)));
        builder.Services.AddWindowedTopology(sp => BookingsTopology.Define(Options(sp)));
        builder.Services.AddWindowedTopology(sp => PopularityTopology.Define(Options(sp)));
        return builder;
    }

    public static WebApplication MapAggregatorEndpoints(this WebApplication app)
    {
        // Operational counters of this instance's tasks; the aggregator has no public ingress.
        app.MapGet("/v1/status", (TaskStatusBoard board) => Results.Json(board.Snapshot(), StatusJsonContext.Default.AggregatorStatus));
        return app;
    }

    private static AggregatorOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<AggregatorOptions>>().Value;
}
