using Streaming.Topology.Windowing;

namespace Streaming.Topology.Processing;

/// <summary>
/// What a windowing task needs to resume exactly: its windows, the next input offset they reflect, and for every
/// source partition of a repartitioned stream the highest source offset already counted; and the incarnation its
/// results carry. A negative <paramref name="NextOffset"/> means "where the consumer group is" (a fresh incarnation
/// stored before it read anything).
/// </summary>
internal sealed record TaskCheckpoint<TKey, TValue>(
    long NextOffset,
    Dictionary<int, long> SourceOffsets,
    WindowSnapshot<TKey, TValue> Windows,
    long Incarnation = 0);
