using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Streaming.Kafka;
using Streaming.Topology.Kafka;

namespace Streaming.Metrics.Bookings;

/// <summary>Confirmed and cancelled bookings per minute, by product, category and city, per currency.</summary>
internal sealed class BookingsMetric : IMetric
{
    public static readonly BookingsMetric Instance = new();

    private BookingsMetric()
    {
    }

    public string Name => BookingsTopology.Metric;

    public string ResultTopic => Topics.MetricsBookings;

    public ISinkTable SinkTable => BookingsTable.Sink;

    public int SchemaVersion => 2;

    public IReadOnlyList<string> SchemaStatements => BookingsTable.Schema;

    public IReadOnlyList<string> Views => [BookingsTable.PerMinute, BookingsTable.PerHour, BookingsTable.PerDay];

    public void AddTopology(IServiceCollection services) =>
        services.AddWindowedTopology(sp => BookingsTopology.Define(sp.GetRequiredService<IOptions<MetricOptions>>().Value));
}
