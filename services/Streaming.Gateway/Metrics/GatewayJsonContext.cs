using System.Text.Json.Serialization;

namespace Streaming.Gateway.Metrics;

// Column aliases differ from the table's columns: ClickHouse resolves an alias that shadows a column inside aggregates.

/// <summary>A row of bookings_per_minute at its latest revision (minute in Unix seconds).</summary>
public sealed record BookingsRow(long Minute, string ProductId, string Currency, long LatestBookings, long LatestRevenueMinor, long LatestRevision);

/// <summary>All products' bookings in one minute.</summary>
public sealed record BookingsMinuteRow(long Minute, long TotalBookings, long Products);

public sealed record BookingsResponse(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<BookingsItem> Rows);

public sealed record BookingsItem(DateTimeOffset WindowStart, string ProductId, string Currency, long Bookings, long RevenueMinor, long Revision);

public sealed record BookingsPerMinuteResponse(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<BookingsMinuteItem> Minutes);

public sealed record BookingsMinuteItem(DateTimeOffset WindowStart, long Bookings, long Products);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BookingsRow))]
[JsonSerializable(typeof(BookingsMinuteRow))]
[JsonSerializable(typeof(BookingsResponse))]
[JsonSerializable(typeof(BookingsPerMinuteResponse))]
public sealed partial class GatewayJsonContext : JsonSerializerContext;
