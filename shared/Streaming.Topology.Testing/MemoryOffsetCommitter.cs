using Streaming.Topology.Processing;

namespace Streaming.Topology.Testing;

/// <summary>The driver's consumer group: commits always succeed and are kept per partition.</summary>
internal sealed class MemoryOffsetCommitter : IOffsetCommitter
{
    public Dictionary<int, long> Committed { get; } = [];

    public bool TryCommit(IReadOnlyList<(int Partition, long NextOffset)> offsets)
    {
        foreach (var (partition, next) in offsets)
        {
            Committed[partition] = next;
        }

        return true;
    }
}
