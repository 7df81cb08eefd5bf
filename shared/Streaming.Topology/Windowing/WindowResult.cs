namespace Streaming.Topology.Windowing;

/// <summary>
/// The result for one key in one window. (WindowStart, Key, Revision) is its identity. The revision is one past the
/// input offset of the last record the value reflects, so it grows with every correction, and a result re-emitted after
/// a restore carries the same revision and the same value: consumers keep the highest revision and drop repeats.
/// A provisional result is an open window's value so far, for live use; the final one has the same or a higher revision
/// and replaces it.
/// </summary>
internal readonly record struct WindowResult<TKey, TValue>(DateTimeOffset WindowStart, TKey Key, long Revision, TValue Value, bool Provisional = false);
