using System.Buffers.Binary;
using Confluent.Kafka;

namespace Streaming.Kafka;

/// <summary>
/// Where a repartitioned record came from (input partition and offset), carried in headers. A re-send after the
/// repartitioner restarts repeats a position already seen, so the next stage drops it: at-least-once in, exactly-once counted.
/// </summary>
public readonly record struct SourcePosition(int Partition, long Offset)
{
    private const string PartitionHeader = "src-partition";
    private const string OffsetHeader = "src-offset";

    public Headers ToHeaders()
    {
        var partition = new byte[4];
        var offset = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(partition, Partition);
        BinaryPrimitives.WriteInt64BigEndian(offset, Offset);
        return new Headers { { PartitionHeader, partition }, { OffsetHeader, offset } };
    }

    public static SourcePosition? From(Headers? headers)
    {
        if (headers is null
            || !headers.TryGetLastBytes(PartitionHeader, out var partition) || partition.Length != 4
            || !headers.TryGetLastBytes(OffsetHeader, out var offset) || offset.Length != 8)
        {
            return null;
        }

        return new SourcePosition(BinaryPrimitives.ReadInt32BigEndian(partition), BinaryPrimitives.ReadInt64BigEndian(offset));
    }
}
