using System.Buffers.Binary;

namespace Streaming.Topology.Processing;

/// <summary>
/// A task checkpoint as one byte array, as the stage restores it and the test driver hands it out: its JSON state
/// alone (as every checkpoint before event identities, and every one without), or the state followed by the binary
/// segments of remembered event identities it names: <c>0xFF</c>, the state's length (4 bytes, little-endian), the
/// state, then per segment its number (8 bytes), length (4 bytes) and bytes. Stores keep the segments as records of
/// their own, written once each (see <see cref="CheckpointWrite"/>), and put them together here on reading.
/// </summary>
internal static class CheckpointContainer
{
    private const byte Marker = 0xFF; // never the first byte of JSON

    public static byte[] Pack(ReadOnlySpan<byte> state, IReadOnlyDictionary<long, byte[]> segments)
    {
        if (segments.Count == 0)
        {
            return state.ToArray();
        }

        var packed = new byte[5 + state.Length + segments.Values.Sum(s => 12 + s.Length)];
        packed[0] = Marker;
        BinaryPrimitives.WriteInt32LittleEndian(packed.AsSpan(1), state.Length);
        state.CopyTo(packed.AsSpan(5));
        var at = 5 + state.Length;
        foreach (var (id, bytes) in segments)
        {
            BinaryPrimitives.WriteInt64LittleEndian(packed.AsSpan(at), id);
            BinaryPrimitives.WriteInt32LittleEndian(packed.AsSpan(at + 8), bytes.Length);
            bytes.CopyTo(packed.AsSpan(at + 12));
            at += 12 + bytes.Length;
        }

        return packed;
    }

    public static (ReadOnlyMemory<byte> State, Dictionary<long, byte[]> Segments) Unpack(byte[] checkpoint)
    {
        var segments = new Dictionary<long, byte[]>();
        if (checkpoint.Length < 5 || checkpoint[0] != Marker)
        {
            return (checkpoint, segments);
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(checkpoint.AsSpan(1));
        for (var at = 5 + length; at < checkpoint.Length;)
        {
            var id = BinaryPrimitives.ReadInt64LittleEndian(checkpoint.AsSpan(at));
            var bytes = BinaryPrimitives.ReadInt32LittleEndian(checkpoint.AsSpan(at + 8));
            segments[id] = checkpoint.AsSpan(at + 12, bytes).ToArray();
            at += 12 + bytes;
        }

        return (checkpoint.AsMemory(5, length), segments);
    }
}

/// <summary>
/// What a stage writes for one task checkpoint: its JSON state, the segments of event identities new since the
/// previous checkpoint (each written once, then only named by later states), and those past the horizon, which the
/// store deletes (tombstones, so a compacted topic forgets them).
/// </summary>
internal sealed record CheckpointWrite(byte[] State, IReadOnlyDictionary<long, byte[]> NewSegments, IReadOnlyList<(long Id, int Bytes)> DroppedSegments);
