using System.Text.Json.Serialization;

namespace Streaming.Events;

/// <summary>Source-generated JSON for everything on the wire: snake_case, strict about unknown fields.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(AppEvent))]
[JsonSerializable(typeof(List<IncomingEvent>))]
[JsonSerializable(typeof(ConcurrentUsersPerMinute))]
[JsonSerializable(typeof(BookingsPerMinute))]
[JsonSerializable(typeof(ProductPopularityPerMinute))]
public sealed partial class EventJsonContext : JsonSerializerContext;
