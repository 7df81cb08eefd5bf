using Streaming.Aggregator.Bookings;
using Streaming.Aggregator.Repartition;
using Streaming.Aggregator.Status;
using Streaming.Kafka;
using Streaming.ServiceDefaults;

namespace Streaming.Aggregator;

public static class AggregatorExtensions
{
    public static WebApplicationBuilder AddAggregator(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<KafkaOptions>(KafkaOptions.Section);
        builder.Services.AddValidatedOptions<AggregatorOptions>(AggregatorOptions.Section);
        builder.Services.AddSingleton<KafkaClients>();
        builder.Services.AddSingleton<TaskStatusBoard>();
        builder.Services.AddHostedService<ProductRepartitioner>();
        builder.Services.AddHostedService<BookingsTopology>();
        return builder;
    }

    public static WebApplication MapAggregatorEndpoints(this WebApplication app)
    {
        // Operational counters of this instance's tasks; the aggregator has no public ingress.
        app.MapGet("/v1/status", (TaskStatusBoard board) => Results.Json(board.Snapshot(), StatusJsonContext.Default.AggregatorStatus));
        return app;
    }
}
