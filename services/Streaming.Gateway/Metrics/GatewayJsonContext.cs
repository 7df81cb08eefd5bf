using System.Text.Json.Serialization;

namespace Streaming.Gateway.Metrics;

/// <summary>A row of bookings_per_minute at its latest revision.</summary>
public sealed record BookingsRow(long WindowStart, string ProductId, string Currency, long Bookings, long RevenueMinor, int Revision);

/// <summary>All products' bookings in one minute.</summary>
public sealed record BookingsMinuteRow(long WindowStart, long Bookings, long Products);

public sealed record BookingsResponse(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<BookingsItem> Rows);

public sealed record BookingsItem(DateTimeOffset WindowStart, string ProductId, string Currency, long Bookings, long RevenueMinor, int Revision);

public sealed record BookingsPerMinuteResponse(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<BookingsMinuteItem> Minutes);

public sealed record BookingsMinuteItem(DateTimeOffset WindowStart, long Bookings, long Products);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BookingsRow))]
[JsonSerializable(typeof(BookingsMinuteRow))]
[JsonSerializable(typeof(BookingsResponse))]
[JsonSerializable(typeof(BookingsPerMinuteResponse))]
public sealed partial class GatewayJsonContext : JsonSerializerContext;
