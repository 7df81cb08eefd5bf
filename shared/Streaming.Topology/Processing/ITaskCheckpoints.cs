namespace Streaming.Topology.Processing;

/// <summary>The latest checkpoint of each task of a stage: on Kafka the checkpoints topic, in the test driver a dictionary.</summary>
internal interface ITaskCheckpoints
{
    /// <summary>The latest whole checkpoint of the task (see <see cref="CheckpointContainer"/>), or null when it has none.</summary>
    byte[]? ReadLatest(string task, int partition);

    void Write(string task, int partition, CheckpointWrite checkpoint);

    /// <summary>Waits until every checkpoint written so far is stored; throws if one was not.</summary>
    void Flush();
}
