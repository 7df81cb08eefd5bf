using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Streaming.Events;
using Streaming.Topology;

namespace Streaming.Metrics;

/// <summary>Events as the topologies read them: the hand-written reader, since every topology reads every event.</summary>
internal sealed class AppEventFormat : RecordFormat<AppEvent>
{
    public static readonly AppEventFormat Instance = new();

    public override bool TryRead(byte[]? value, [NotNullWhen(true)] out AppEvent? decoded, [NotNullWhen(false)] out string? reason)
    {
        if (value is null)
        {
            (decoded, reason) = (null, "empty record");
            return false;
        }

        return AppEventReader.TryRead(value, out decoded, out reason);
    }

    public override byte[] Write(AppEvent value) => JsonSerializer.SerializeToUtf8Bytes(value, EventJsonContext.Default.AppEvent);
}
