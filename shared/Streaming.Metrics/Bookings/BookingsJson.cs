using System.Text.Json.Serialization;
using Streaming.Topology;

namespace Streaming.Metrics.Bookings;

/// <summary>Source-generated JSON for the bookings result records and the topology's task checkpoints.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(BookingsPerMinute))]
[JsonSerializable(typeof(TaskCheckpoint<BookingSeries, BookingTotals>))]
public sealed partial class BookingsJson : JsonSerializerContext;
