namespace Streaming.Topology;

/// <summary>
/// One window's value for one key, from the task of input partition <paramref name="Partition"/>.
/// (WindowStart, Key, Partition, Revision) is its identity. The revision is one past the input offset of the last
/// record the value reflects: it grows with every correction, and a result re-emitted after a restore carries the same
/// revision and value, so consumers keep the highest revision and drop repeats. A provisional result is an open
/// window's value so far; the final one has the same or a higher revision and replaces it.
/// </summary>
public sealed record TopologyResult<TKey, TValue>(DateTimeOffset WindowStart, TKey Key, int Partition, long Revision, bool Provisional, TValue Value);

/// <summary>A record for the sink topic.</summary>
public sealed record OutputRecord(string Key, byte[] Value);
