namespace Streaming.Topology;

/// <summary>A stream cut into tumbling event-time windows; <see cref="Aggregate"/> says what each window counts.</summary>
public sealed record WindowedStream<TEvent>(SourceStream<TEvent> Source, TumblingWindowOptions Window)
    where TEvent : class
{
    /// <param name="keysOf">Adds the keys an event counts towards to the list (none, one or several, e.g. overall and by platform).</param>
    /// <param name="initial">A window's value before its first event.</param>
    /// <param name="add">Folds one event into a window's value, in place.</param>
    /// <param name="clone">Copies a value, so that emitted results do not change when the window is corrected.</param>
    public AggregatedStream<TEvent, TKey, TValue> Aggregate<TKey, TValue>(
        Action<TEvent, List<TKey>> keysOf,
        Func<TValue> initial,
        Action<TValue, TEvent> add,
        Func<TValue, TValue> clone)
        where TKey : notnull =>
        new(Source, Window, new Aggregation<TEvent, TKey, TValue>(keysOf, initial, add, clone), ZeroKeys: [], ProvisionalEvery: null);
}

/// <summary>How a window's value is built from events.</summary>
public sealed record Aggregation<TEvent, TKey, TValue>(
    Action<TEvent, List<TKey>> KeysOf,
    Func<TValue> Initial,
    Action<TValue, TEvent> Add,
    Func<TValue, TValue> Copy);
