using Streaming.Metrics.Bookings;
using Streaming.Metrics.ConcurrentUsers;
using Streaming.Metrics.Popularity;
using Streaming.Metrics.ProductEvents;
using Streaming.Metrics.Pushes;
using Streaming.Metrics.RawEvents;

namespace Streaming.Metrics;

/// <summary>The fleet's metrics and the stages that feed them. A new metric or stage is a folder beside the others, registered here.</summary>
public static class MetricCatalog
{
    /// <summary>Stages the aggregator runs besides the metrics' topologies: their topics feed metrics and other services.</summary>
    public static readonly IReadOnlyList<IStreamStage> Stages = [ProductEventsStage.Instance];

    public static readonly IReadOnlyList<IMetric> Metrics = [ConcurrentUsersMetric.Instance, BookingsMetric.Instance, PopularityMetric.Instance];

    /// <summary>Every table the sink writes: each metric's results, the raw events, and the push decisions.</summary>
    public static readonly IReadOnlyList<ISinkTable> SinkTables = [.. Metrics.Select(m => m.SinkTable), RawEventsTable.Sink, PushDecisionsTable.Sink];
}
