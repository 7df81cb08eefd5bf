using Streaming.Topology.Windowing;

namespace Streaming.Topology.Processing;

/// <summary>
/// What a windowing task needs to resume exactly: its windows, the next input offset they reflect, and for every
/// source partition of a repartitioned stream the highest source offset already counted, and the identities of the
/// events counted within the correction horizon (<see cref="RememberedEvents"/> entries; empty without identities).
/// </summary>
internal sealed record TaskCheckpoint<TKey, TValue>(
    long NextOffset,
    Dictionary<int, long> SourceOffsets,
    WindowSnapshot<TKey, TValue> Windows,
    byte[] EventIds);
