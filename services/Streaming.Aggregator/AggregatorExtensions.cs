using Microsoft.Extensions.Options;
using Streaming.Aggregator.BookingChanges;
using Streaming.Events;
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

        // Bookings from the database: the change-event translator runs only in CDC mode.
        builder.Services.AddValidatedOptions<BookingsOptions>(BookingsOptions.Section);
        builder.Services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<IOptions<BookingsOptions>>().Value.FromChangeData
            ? ActivatorUtilities.CreateInstance<BookingChangesService>(sp)
            : new NoBookingChanges());
        return builder;
    }

    /// <summary>Stands in for the change-event translator when apps post bookings.</summary>
    private sealed class NoBookingChanges : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    public static WebApplication MapAggregatorEndpoints(this WebApplication app)
    {
        // Operational counters of this instance's tasks; the aggregator has no public ingress.
        app.MapTopologyStatus("/v1/status");
        return app;
    }
}
