using Streaming.Kafka;

namespace Streaming.Topology.Processing;

/// <summary>
/// One record of a stage's input partition, as the stage sees it on Kafka and in the test driver.
/// <paramref name="Source"/> is the position in the source topic that a repartitioned record carries.
/// </summary>
internal readonly record struct InputRecord(int Partition, long Offset, string? Key, byte[]? Value, SourcePosition? Source = null);
