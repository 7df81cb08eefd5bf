using Streaming.Reposts;
using Streaming.Topology.Windowing;

namespace Streaming.Topology.Processing;

/// <summary>
/// What a windowing task needs to resume exactly: its windows, the next input offset they reflect, for every source
/// partition of a repartitioned stream the highest source offset already counted, the identities of the events
/// counted within the correction horizon, and the incarnation its results carry. A negative
/// <paramref name="NextOffset"/> means "where the consumer group is" (a fresh incarnation stored before it read anything).
/// </summary>
internal sealed record TaskCheckpoint<TKey, TValue>(
    long NextOffset,
    Dictionary<int, long> SourceOffsets,
    WindowSnapshot<TKey, TValue> Windows,
    EventIdCheckpoint EventIds,
    long Incarnation = 0);

/// <summary>
/// Remembered event identities in a checkpoint: segments of 16-byte entries (<see cref="RememberedEvents"/>), one per
/// checkpoint that remembered new ones, live until every entry in them is past the horizon. Writing, <see cref="Bytes"/>
/// holds only the new segment and <see cref="Dropped"/> the segments that just expired; reading, every live one.
/// </summary>
internal sealed record EventIdCheckpoint(IReadOnlyList<IdSegment> Live, long NextSegment, IReadOnlyDictionary<long, byte[]> Bytes, IReadOnlyList<IdSegment> Dropped)
{
    public static readonly EventIdCheckpoint None = new([], 0, new Dictionary<long, byte[]>(), []);
}

/// <summary>One segment: its number, entries, and the latest expiry among them (Unix seconds).</summary>
internal readonly record struct IdSegment(long Id, int Count, uint ExpiresBy)
{
    public int Bytes => Count * RememberedEvents.EntryBytes;
}
