using Microsoft.Extensions.DependencyInjection;

namespace Streaming.Metrics;

/// <summary>
/// A metric as the fleet runs it: the aggregator runs its topology, the sink writes its results to its table, and the
/// schema migration with <see cref="SchemaVersion"/> creates its table and views. Register a new one in
/// <see cref="MetricCatalog"/>.
/// </summary>
public interface IMetric
{
    /// <summary>Short name: names the topology's consumer groups and the sink's loop ("bookings").</summary>
    string Name { get; }

    /// <summary>The topic its results go to.</summary>
    string ResultTopic { get; }

    /// <summary>Its results' way into ClickHouse.</summary>
    ISinkTable SinkTable { get; }

    /// <summary>The schema migration that creates its table and views.</summary>
    int SchemaVersion { get; }

    /// <summary>Idempotent DDL: the table first, then the views over it.</summary>
    IReadOnlyList<string> SchemaStatements { get; }

    /// <summary>The views BI users query, in creation order.</summary>
    IReadOnlyList<string> Views { get; }

    /// <summary>Runs the metric's topology in this process (needs <see cref="MetricOptions"/> as options).</summary>
    void AddTopology(IServiceCollection services);
}
