namespace Streaming.Topology;

/// <summary>
/// One window's value for one key, from the task of input partition <paramref name="Partition"/>.
/// (WindowStart, Key, Partition, Revision) is its identity; see <see cref="Windows.WindowResult{TKey, TValue}"/>.
/// </summary>
public sealed record TopologyResult<TKey, TValue>(DateTimeOffset WindowStart, TKey Key, int Partition, long Revision, bool Provisional, TValue Value);

/// <summary>A record for the sink topic.</summary>
public sealed record OutputRecord(string Key, byte[] Value);
