using Streaming.Kafka;

namespace Streaming.Topology.Processing;

/// <summary>
/// Drops repartitioned records whose source position was already counted. The repartitioner sends each source
/// partition's records in order (idempotent producer), so the highest offset seen per source partition is enough.
/// </summary>
internal sealed class SourceDeduplicator
{
    public Dictionary<int, long> Seen { get; } = [];

    public long Duplicates { get; private set; }

    /// <summary>True if the record is new (and remembers it); records without a source position are always new.</summary>
    public bool IsNew(SourcePosition? source)
    {
        if (source is not { } position)
        {
            return true;
        }

        if (Seen.TryGetValue(position.Partition, out var seen) && position.Offset <= seen)
        {
            Duplicates++;
            return false;
        }

        Seen[position.Partition] = position.Offset;
        return true;
    }

    public void Restore(IReadOnlyDictionary<int, long> seen)
    {
        Seen.Clear();
        foreach (var (partition, offset) in seen)
        {
            Seen[partition] = offset;
        }
    }
}
