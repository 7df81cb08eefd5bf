using System.Text.Json.Serialization.Metadata;

namespace Streaming.Topology;

/// <summary>
/// Entry point of the topology API. A windowed topology reads JSON records from a source topic, optionally
/// repartitions them by a new key through a repartition topic, counts them in tumbling event-time windows and writes
/// one result per window and key to a sink topic:
/// <code>
/// TopologyBuilder.From("popularity", "events", AppEventJson, e => e.OccurredAt)
///     .Where(e => e.ProductId is not null)
///     .RepartitionBy("product-events", e => e.ProductId!)
///     .WindowedBy(new TumblingWindowOptions())
///     .Aggregate&lt;string, Counts&gt;((e, keys) => keys.Add(e.ProductId!), () => new Counts(), (c, e) => c.Add(e), c => c.Copy())
///     .To("metrics.popularity", result => ..., new CheckpointFormat&lt;string, Counts&gt;(Json.Default.String, Json.Default.Counts));
/// </code>
/// Run it on Kafka with <c>AddWindowedTopology</c>, or without a broker with <c>TopologyTestDriver</c> (Streaming.Topology.Testing).
/// </summary>
public static class TopologyBuilder
{
    /// <param name="name">Names the consumer groups and checkpoints; changing it starts the topology from scratch.</param>
    /// <param name="eventTime">The event-time extractor; windows and watermarks use it, never the broker timestamp.</param>
    public static SourceStream<TEvent> From<TEvent>(string name, string topic, JsonTypeInfo<TEvent> format, Func<TEvent, DateTimeOffset> eventTime)
        where TEvent : class =>
        From(name, topic, RecordFormat<TEvent>.Json(format), eventTime);

    /// <param name="format">How records become events; see <see cref="RecordFormat{TEvent}"/>.</param>
    public static SourceStream<TEvent> From<TEvent>(string name, string topic, RecordFormat<TEvent> format, Func<TEvent, DateTimeOffset> eventTime)
        where TEvent : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        return new SourceStream<TEvent>(name, topic, format, eventTime, Filter: null, Repartition: null);
    }
}
