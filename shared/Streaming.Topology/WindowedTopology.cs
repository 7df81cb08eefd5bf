namespace Streaming.Topology;

/// <summary>A complete windowed topology, ready to run on Kafka or in the test driver.</summary>
public sealed record WindowedTopology<TEvent, TKey, TValue>(
    SourceStream<TEvent> Source,
    TumblingWindowOptions Window,
    Aggregation<TEvent, TKey, TValue> Aggregation,
    IReadOnlyList<TKey> ZeroKeys,
    TimeSpan? ProvisionalEvery,
    string SinkTopic,
    Func<TopologyResult<TKey, TValue>, OutputRecord> Write,
    CheckpointFormat<TKey, TValue> Checkpoints)
    where TEvent : class
    where TKey : notnull
{
    public string Name => Source.Name;

    /// <summary>The topic the windowing tasks read: the repartition topic if there is one, else the source.</summary>
    public string WindowInputTopic => Source.Repartition?.Topic ?? Source.Topic;
}
