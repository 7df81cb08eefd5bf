using System.Text.Json.Serialization;

namespace Streaming.Gateway.Metrics;

// Column aliases differ from the table's columns: ClickHouse resolves an alias that shadows a column inside aggregates.

/// <summary>A row of the bookings_per_minute view for one product (minute in Unix seconds; provisional 0 or 1).</summary>
public sealed record BookingsRow(long MinuteUnix, string ProductId, string Currency, long Bookings, long RevenueMinor, int Provisional);

/// <summary>All products' bookings in one minute.</summary>
public sealed record BookingsMinuteRow(long MinuteUnix, long TotalBookings, long Products);

public sealed record BookingsResponse(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<BookingsItem> Rows);

/// <summary>Provisional: some source partition has not closed this minute yet, so the value may still grow.</summary>
public sealed record BookingsItem(DateTimeOffset WindowStart, string ProductId, string Currency, long Bookings, long RevenueMinor, bool Provisional);

public sealed record BookingsPerMinuteResponse(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<BookingsMinuteItem> Minutes);

public sealed record BookingsMinuteItem(DateTimeOffset WindowStart, long Bookings, long Products);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BookingsRow))]
[JsonSerializable(typeof(BookingsMinuteRow))]
[JsonSerializable(typeof(BookingsResponse))]
[JsonSerializable(typeof(BookingsPerMinuteResponse))]
public sealed partial class GatewayJsonContext : JsonSerializerContext;
