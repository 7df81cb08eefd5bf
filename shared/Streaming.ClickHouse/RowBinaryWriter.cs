using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Streaming.ClickHouse;

/// <summary>
/// Writes values in ClickHouse's RowBinary format: little-endian fixed-width numbers, strings as a LEB128 length
/// and UTF-8 bytes, DateTime as UInt32 Unix seconds. There is no per-row framing, so each row must write its
/// columns in exactly the order of the insert's column list (see <see cref="RowBinaryLayout{T}"/>).
/// </summary>
public sealed class RowBinaryWriter(int initialCapacity = 64 * 1024)
{
    private readonly ArrayBufferWriter<byte> buffer = new(initialCapacity);

    public ReadOnlyMemory<byte> Written => buffer.WrittenMemory;

    public int Length => buffer.WrittenCount;

    public void Clear() => buffer.Clear();

    public void UInt8(byte value)
    {
        buffer.GetSpan(1)[0] = value;
        buffer.Advance(1);
    }

    public void Bool(bool value) => UInt8(value ? (byte)1 : (byte)0);

    public void UInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(buffer.GetSpan(2), value);
        buffer.Advance(2);
    }

    public void UInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.GetSpan(4), value);
        buffer.Advance(4);
    }

    public void UInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(buffer.GetSpan(8), value);
        buffer.Advance(8);
    }

    public void Int32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(buffer.GetSpan(4), value);
        buffer.Advance(4);
    }

    public void Int64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(buffer.GetSpan(8), value);
        buffer.Advance(8);
    }

    public void Float64(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(buffer.GetSpan(8), value);
        buffer.Advance(8);
    }

    /// <summary>A DateTime column: whole seconds since the Unix epoch, so the server's time zone plays no part.</summary>
    public void DateTime(DateTimeOffset value)
    {
        var seconds = value.ToUnixTimeSeconds();
        if (seconds is < 0 or > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "DateTime holds 1970-01-01 to 2106-02-07 UTC.");
        }

        UInt32((uint)seconds);
    }

    public void String(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        VarUInt((ulong)length);
        var span = buffer.GetSpan(length);
        Encoding.UTF8.GetBytes(value, span);
        buffer.Advance(length);
    }

    private void VarUInt(ulong value)
    {
        var span = buffer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        buffer.Advance(i);
    }
}

/// <summary>A table's insert columns and how one row is written in RowBinary, in that order.</summary>
public sealed record RowBinaryLayout<T>(IReadOnlyList<string> Columns, Action<RowBinaryWriter, T> WriteRow);
