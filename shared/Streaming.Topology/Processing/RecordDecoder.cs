using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization.Metadata;
using Streaming.Kafka;

namespace Streaming.Topology.Processing;

/// <summary>Turns a record's bytes into an event, or says why it cannot.</summary>
internal sealed class RecordDecoder<TEvent>(JsonTypeInfo<TEvent> format)
    where TEvent : class
{
    public bool TryDecode(byte[]? value, [NotNullWhen(true)] out TEvent? decoded, [NotNullWhen(false)] out string? reason) =>
        RecordJson.TryRead(value, format, out decoded, out reason);
}
