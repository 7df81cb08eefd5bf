using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Streaming.Kafka;
using Streaming.Topology.Kafka;

namespace Streaming.Metrics.ConcurrentUsers;

/// <summary>Distinct active users per minute: overall, by platform and by country.</summary>
internal sealed class ConcurrentUsersMetric : IMetric
{
    public static readonly ConcurrentUsersMetric Instance = new();

    private ConcurrentUsersMetric()
    {
    }

    public string Name => ConcurrentUsersTopology.Metric;

    public string ResultTopic => Topics.MetricsConcurrentUsers;

    public ISinkTable SinkTable => ConcurrentUsersTable.Sink;

    public int SchemaVersion => 2;

    public IReadOnlyList<string> SchemaStatements => ConcurrentUsersTable.Schema;

    public IReadOnlyList<string> Views => [ConcurrentUsersTable.PerMinute, ConcurrentUsersTable.PerHour, ConcurrentUsersTable.PerDay];

    public void AddTopology(IServiceCollection services) =>
        services.AddWindowedTopology(sp => ConcurrentUsersTopology.Define(sp.GetRequiredService<IOptions<MetricOptions>>().Value));
}
