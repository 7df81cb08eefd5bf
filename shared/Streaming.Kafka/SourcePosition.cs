using System.Buffers.Binary;
using Confluent.Kafka;

namespace Streaming.Kafka;

/// <summary>
/// Where a repartitioned record came from (input partition and offset), carried in headers. A re-send after the
/// repartitioner restarts repeats a position already seen, so the next stage drops it: at-least-once in, exactly-once counted.
/// </summary>
public readonly record struct SourcePosition(int Partition, long Offset)
{
    /// <summary>One header, partition then offset (12 bytes, big-endian): each header costs both ends a native call and allocations per record.</summary>
    private const string PositionHeader = "src";

    // Records written before the position became one header carry two; still read, so an upgrade drops their re-sends too.
    private const string PartitionHeader = "src-partition";
    private const string OffsetHeader = "src-offset";

    public Headers ToHeaders()
    {
        var position = new byte[12];
        Write(position);
        return new Headers { { PositionHeader, position } };
    }

    /// <summary>The header's name.</summary>
    public static string HeaderName => PositionHeader;

    /// <summary>The header's value: partition then offset, 12 bytes, big-endian.</summary>
    public void Write(Span<byte> position)
    {
        BinaryPrimitives.WriteInt32BigEndian(position, Partition);
        BinaryPrimitives.WriteInt64BigEndian(position[4..], Offset);
    }

    public static SourcePosition? From(Headers? headers)
    {
        if (headers is null)
        {
            return null;
        }

        if (headers.TryGetLastBytes(PositionHeader, out var position))
        {
            return position.Length == 12
                ? new SourcePosition(BinaryPrimitives.ReadInt32BigEndian(position), BinaryPrimitives.ReadInt64BigEndian(position.AsSpan(4)))
                : null;
        }

        if (!headers.TryGetLastBytes(PartitionHeader, out var partition) || partition.Length != 4
            || !headers.TryGetLastBytes(OffsetHeader, out var offset) || offset.Length != 8)
        {
            return null;
        }

        return new SourcePosition(BinaryPrimitives.ReadInt32BigEndian(partition), BinaryPrimitives.ReadInt64BigEndian(offset));
    }
}
