namespace Streaming.Topology;

/// <summary>Windowed aggregates before they are written: choose zero-filled keys and provisional updates, then a sink.</summary>
public sealed record AggregatedStream<TEvent, TKey, TValue>(
    SourceStream<TEvent> Source,
    TumblingWindowOptions Window,
    Aggregation<TEvent, TKey, TValue> Aggregation,
    IReadOnlyList<TKey> ZeroKeys,
    TimeSpan? ProvisionalEvery)
    where TEvent : class
    where TKey : notnull
{
    /// <summary>Global series: these keys get a result for every closed window, the initial value when no event had them.</summary>
    public AggregatedStream<TEvent, TKey, TValue> WithZeros(params IReadOnlyList<TKey> keys) => this with { ZeroKeys = keys };

    /// <summary>Also emits open windows that changed, every <paramref name="interval"/>, marked provisional; zero turns it off.</summary>
    public AggregatedStream<TEvent, TKey, TValue> WithProvisionalUpdates(TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.Zero);
        return this with { ProvisionalEvery = interval > TimeSpan.Zero ? interval : null };
    }

    /// <param name="write">Turns a result into the sink record; its key should be the result's identity.</param>
    /// <param name="checkpoints">How task checkpoints store this topology's keys and values.</param>
    public WindowedTopology<TEvent, TKey, TValue> To(
        string topic,
        Func<TopologyResult<TKey, TValue>, OutputRecord> write,
        CheckpointFormat<TKey, TValue> checkpoints)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentNullException.ThrowIfNull(checkpoints);
        return new WindowedTopology<TEvent, TKey, TValue>(Source, Window, Aggregation, ZeroKeys, ProvisionalEvery, topic, write, checkpoints);
    }
}
