using System.Text.Json.Serialization;

namespace Streaming.Metrics.Bookings;

/// <summary>Source-generated JSON for the bookings result records and the topology's task checkpoints.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(BookingsPerMinute))]
[JsonSerializable(typeof(BookingSeries))]
[JsonSerializable(typeof(BookingTotals))]
public sealed partial class BookingsJson : JsonSerializerContext;
