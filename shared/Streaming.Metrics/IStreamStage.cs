using Microsoft.Extensions.DependencyInjection;

namespace Streaming.Metrics;

/// <summary>
/// A stage the aggregator runs that feeds metrics and other services rather than a table: it writes a topic that
/// others read. Register a new one in <see cref="MetricCatalog"/>.
/// </summary>
public interface IStreamStage
{
    /// <summary>Short name: names the stage's consumer group ("product-events").</summary>
    string Name { get; }

    /// <summary>The topic it writes.</summary>
    string OutputTopic { get; }

    /// <summary>Runs the stage in this process (needs <see cref="MetricOptions"/> as options).</summary>
    void AddTopology(IServiceCollection services);
}
