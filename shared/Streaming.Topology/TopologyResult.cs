namespace Streaming.Topology;

/// <summary>
/// One window's value for one key, from the task of input partition <paramref name="Partition"/>.
/// (WindowStart, Key, Partition, Revision) is its identity. The revision is one past the input offset of the last
/// record the value reflects: it grows with every correction, and a result re-emitted after a restore carries the same
/// revision and value, so consumers keep the highest revision and drop repeats. A provisional result is an open
/// window's value so far; the final one has the same or a higher revision and replaces it.
/// Revisions compare only within one <paramref name="Incarnation"/>: a task that starts over without a usable checkpoint
/// (first start, checkpoints lost, or its input log restarted below the checkpoint) mints a new one, so its results never
/// compete with an earlier incarnation's; consumers keep the latest revision per incarnation and add incarnations up.
/// </summary>
public sealed record TopologyResult<TKey, TValue>(DateTimeOffset WindowStart, TKey Key, int Partition, long Revision, bool Provisional, TValue Value, long Incarnation = 0);

/// <summary>A record for the sink topic.</summary>
public sealed record OutputRecord(string Key, byte[] Value);
