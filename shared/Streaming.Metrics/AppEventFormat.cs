using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Streaming.Events;
using Streaming.Topology;

namespace Streaming.Metrics;

/// <summary>Events as the topologies read them: the hand-written reader, since every topology reads every event.</summary>
internal sealed class AppEventFormat : RecordFormat<AppEvent>
{
    public static readonly AppEventFormat Instance = new(routeOnly: false);

    /// <summary>
    /// For a stage that only routes events and forwards their bytes (product-events): accepts and refuses what
    /// <see cref="Instance"/> does, but reads only type, product, times and amount (ids and names are empty strings).
    /// </summary>
    public static readonly AppEventFormat Routing = new(routeOnly: true);

    private readonly bool routeOnly;

    private AppEventFormat(bool routeOnly) => this.routeOnly = routeOnly;

    public override bool TryRead(byte[]? value, [NotNullWhen(true)] out AppEvent? decoded, [NotNullWhen(false)] out string? reason)
    {
        if (value is null)
        {
            (decoded, reason) = (null, "empty record");
            return false;
        }

        return routeOnly ? AppEventReader.TryReadRoute(value, out decoded, out reason) : AppEventReader.TryRead(value, out decoded, out reason);
    }

    public override byte[] Write(AppEvent value) => JsonSerializer.SerializeToUtf8Bytes(value, EventJsonContext.Default.AppEvent);
}
