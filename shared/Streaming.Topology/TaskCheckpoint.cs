using Streaming.Windows;

namespace Streaming.Topology;

/// <summary>
/// What a windowing task needs to resume exactly: its windows, the next input offset they reflect, and for every
/// source partition of a repartitioned stream the highest source offset already counted.
/// </summary>
public sealed record TaskCheckpoint<TKey, TValue>(
    int Format,
    long NextOffset,
    Dictionary<int, long> SourceOffsets,
    WindowSnapshot<TKey, TValue> Windows)
{
    public const int CurrentFormat = 2;
}
