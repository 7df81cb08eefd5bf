using System.Text.Json.Serialization;
using Streaming.Events;

namespace Streaming.ClickHouseSink.Bookings;

/// <summary>A row of bookings_per_minute as JSONEachRow (window_start in Unix seconds).</summary>
public sealed record BookingRow(long WindowStart, string ProductId, string Currency, long Revision, long Bookings, long RevenueMinor)
{
    public static BookingRow From(BookingsPerMinute result) => new(
        result.WindowStart.ToUnixTimeSeconds(), result.DimensionValue, result.Currency, result.Revision, result.Bookings, result.RevenueMinor);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BookingRow))]
public sealed partial class SinkJsonContext : JsonSerializerContext;
