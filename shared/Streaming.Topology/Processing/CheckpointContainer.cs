using System.Buffers.Binary;

namespace Streaming.Topology.Processing;

/// <summary>
/// A task checkpoint's bytes: its JSON, alone (as every checkpoint before event identities), or followed by the
/// remembered event identities in binary: <c>0xFF</c>, the JSON's length (4 bytes, little-endian), the JSON, the
/// identities. The checkpoint store compresses the JSON only: identities are random hashes, which do not compress.
/// </summary>
internal static class CheckpointContainer
{
    private const byte Marker = 0xFF; // never the first byte of JSON
    private const int HeaderBytes = 5;

    public static byte[] Pack(ReadOnlySpan<byte> json, ReadOnlySpan<byte> binary)
    {
        if (binary.IsEmpty)
        {
            return json.ToArray();
        }

        var packed = new byte[HeaderBytes + json.Length + binary.Length];
        packed[0] = Marker;
        BinaryPrimitives.WriteInt32LittleEndian(packed.AsSpan(1), json.Length);
        json.CopyTo(packed.AsSpan(HeaderBytes));
        binary.CopyTo(packed.AsSpan(HeaderBytes + json.Length));
        return packed;
    }

    public static (ReadOnlyMemory<byte> Json, ReadOnlyMemory<byte> Binary) Split(byte[] checkpoint)
    {
        if (checkpoint.Length < HeaderBytes || checkpoint[0] != Marker)
        {
            return (checkpoint, ReadOnlyMemory<byte>.Empty);
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(checkpoint.AsSpan(1));
        return (checkpoint.AsMemory(HeaderBytes, length), checkpoint.AsMemory(HeaderBytes + length));
    }
}
