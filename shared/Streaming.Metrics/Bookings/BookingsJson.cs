using System.Text.Json.Serialization;

namespace Streaming.Metrics.Bookings;

/// <summary>Source-generated JSON for the bookings result records.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(BookingsPerMinute))]
public sealed partial class BookingsJson : JsonSerializerContext;

/// <summary>Source-generated JSON for the series keys and window values in the topology's checkpoints.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(BookingSeries))]
[JsonSerializable(typeof(BookingTotals))]
internal sealed partial class BookingsCheckpointJson : JsonSerializerContext;
