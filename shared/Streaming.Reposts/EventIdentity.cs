using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Streaming.Reposts;

/// <summary>
/// Who an event is, for dropping re-sent copies: a 64-bit hash of its identity (e.g. the user and the client's event
/// id) and a 32-bit fingerprint of the content it is counted by. Two events with the same <see cref="Id"/> are the
/// same event: the first is counted and later copies are not; a copy whose <see cref="Content"/> differs is
/// dead-lettered with the reason. Hashes are stable across processes (XxHash3), since checkpoints keep them.
/// </summary>
public readonly record struct EventIdentity(ulong Id, uint Content)
{
    /// <summary>The identity of the event <paramref name="id"/> within <paramref name="scope"/> (e.g. a user: ids are client-chosen).</summary>
    public static ulong IdOf(string scope, string id) =>
        XxHash3.HashToUInt64(MemoryMarshal.AsBytes(id.AsSpan()), (long)XxHash3.HashToUInt64(MemoryMarshal.AsBytes(scope.AsSpan())));

    /// <summary>
    /// The same over UTF-8 bytes, for a reader that has the JSON's bytes and no strings. Not equal to <see cref="IdOf"/>
    /// for the same text: a table uses one or the other.
    /// </summary>
    public static ulong IdOfUtf8(ReadOnlySpan<byte> scope, ReadOnlySpan<byte> id) =>
        XxHash3.HashToUInt64(id, (long)XxHash3.HashToUInt64(scope));
}

/// <summary>A fingerprint of an event's content, built field by field from <c>default</c> (order matters; null and "" differ).</summary>
public readonly record struct ContentHash(ulong Value)
{
    public ContentHash Add(string? text) =>
        new(text is null ? Mix(Value, 0x9E3779B97F4A7C15) : XxHash3.HashToUInt64(MemoryMarshal.AsBytes(text.AsSpan()), (long)(Value + 1)));

    public ContentHash Add(long number) => new(Mix(Value, (ulong)number));

    public ContentHash Add(long? number) => number is { } n ? Add(n) : new ContentHash(Mix(Value, 0xC2B2AE3D27D4EB4F));

    /// <summary>The 32-bit fingerprint the identity keeps.</summary>
    public uint ToUInt32() => (uint)(Value ^ (Value >> 32));

    /// <summary>A multiply-xorshift step (from SplitMix64): every input bit reaches every output bit.</summary>
    private static ulong Mix(ulong seed, ulong value)
    {
        var z = seed + value + 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
