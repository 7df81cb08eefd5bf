namespace Streaming.Topology.Processing;

/// <summary>Commits a stage's input offsets: on Kafka to the consumer group, which lag monitoring reads.</summary>
internal interface IOffsetCommitter
{
    /// <summary>Commits the next offset of each partition; false when the commit failed (the caller retries later).</summary>
    bool TryCommit(IReadOnlyList<(int Partition, long NextOffset)> offsets);
}
