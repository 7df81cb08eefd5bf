using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Streaming.Kafka;

namespace Streaming.Topology;

/// <summary>How a topology reads its events from record bytes (and writes them, for the test driver).</summary>
public abstract class RecordFormat<TEvent>
    where TEvent : class
{
    /// <summary>Reads one event, or says why the record cannot be read (the reason goes to the dead-letter topic).</summary>
    public abstract bool TryRead(byte[]? value, [NotNullWhen(true)] out TEvent? decoded, [NotNullWhen(false)] out string? reason);

    public abstract byte[] Write(TEvent value);

    /// <summary>Source-generated System.Text.Json; a hand-written reader can replace it where it is the hot path.</summary>
    public static RecordFormat<TEvent> Json(JsonTypeInfo<TEvent> type) => new JsonFormat(type);

    private sealed class JsonFormat(JsonTypeInfo<TEvent> type) : RecordFormat<TEvent>
    {
        public override bool TryRead(byte[]? value, [NotNullWhen(true)] out TEvent? decoded, [NotNullWhen(false)] out string? reason) =>
            RecordJson.TryRead(value, type, out decoded, out reason);

        public override byte[] Write(TEvent value) => JsonSerializer.SerializeToUtf8Bytes(value, type);
    }
}
