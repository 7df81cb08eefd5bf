using System.Text.Json.Serialization;

namespace Streaming.Events;

/// <summary>Source-generated JSON for everything on the wire: snake_case, strict about unknown fields.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(AppEvent))]
[JsonSerializable(typeof(List<IncomingEvent>))]
public sealed partial class EventJsonContext : JsonSerializerContext;
