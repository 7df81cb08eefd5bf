namespace Streaming.Topology.Processing;

/// <summary>Where the windowing stage sends what it produces: on Kafka, topics through one producer; in the test driver, lists.</summary>
internal interface IWindowingOutput<TKey, TValue>
{
    void Result(TopologyResult<TKey, TValue> result);

    /// <summary>A record beyond the correction horizon: kept, on the late-events topic, never silently dropped.</summary>
    void Late(in InputRecord record);

    void DeadLetter(in InputRecord record, string reason);

    /// <summary>Waits until everything sent so far is delivered; throws if something was not, so nothing is checkpointed past lost output.</summary>
    void Flush();
}
