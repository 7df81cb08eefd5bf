using System.Diagnostics.CodeAnalysis;

namespace Streaming.Topology.Processing;

/// <summary>Turns a record's bytes into an event, or says why it cannot.</summary>
internal sealed class RecordDecoder<TEvent>(RecordFormat<TEvent> format)
    where TEvent : class
{
    public bool TryDecode(byte[]? value, [NotNullWhen(true)] out TEvent? decoded, [NotNullWhen(false)] out string? reason) =>
        format.TryRead(value, out decoded, out reason);
}
