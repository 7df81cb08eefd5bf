using Streaming.Topology.Windowing;

namespace Streaming.Topology.Processing;

/// <summary>Folds events into the windows of every key they count towards.</summary>
internal sealed class WindowAggregator<TEvent, TKey, TValue>
    where TEvent : class
    where TKey : notnull
{
    private readonly Aggregation<TEvent, TKey, TValue> aggregation;
    private readonly Func<TEvent, DateTimeOffset> eventTime;
    private readonly List<TKey> keys = [];

    public WindowAggregator(WindowedTopology<TEvent, TKey, TValue> topology, TimeProvider clock)
    {
        aggregation = topology.Aggregation;
        eventTime = topology.Source.EventTime;
        Windows = new PartitionWindows<TKey, TValue>(topology.Window, aggregation.Initial, aggregation.Copy, clock, topology.ZeroKeys);
    }

    public PartitionWindows<TKey, TValue> Windows { get; }

    /// <summary>Adds the event to each of its keys' windows; too late for one key is too late for all (same event time).</summary>
    public RecordOutcome Add(TEvent appEvent, long offset, List<WindowResult<TKey, TValue>> emitted)
    {
        keys.Clear();
        aggregation.KeysOf(appEvent, keys);
        var outcome = RecordOutcome.Counted;
        var time = eventTime(appEvent);
        foreach (var key in keys)
        {
            switch (Windows.Add(key, time, offset, (appEvent, aggregation.Add), static (value, state) => state.Add(value, state.appEvent), emitted))
            {
                case WindowAddOutcome.Corrected:
                    outcome = RecordOutcome.Corrected;
                    break;
                case WindowAddOutcome.TooLate:
                    return RecordOutcome.TooLate;
            }
        }

        return outcome;
    }
}
