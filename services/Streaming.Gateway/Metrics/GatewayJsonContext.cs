using System.Text.Json.Serialization;

namespace Streaming.Gateway.Metrics;

// Rows as ClickHouse returns them (minute in Unix seconds; provisional 0 or 1). Column aliases differ from the
// table's columns: ClickHouse 18.16 resolves an alias that shadows a column inside aggregates.

public sealed record ConcurrentUsersRow(long MinuteUnix, string Dimension, string DimensionValue, long Users, int Provisional);

public sealed record BookingsRow(
    long MinuteUnix, string Dimension, string DimensionValue, string Currency,
    long Bookings, long Cancellations, long RevenueMinor, long CancelledRevenueMinor, int Provisional);

/// <summary>All products' bookings in one minute.</summary>
public sealed record BookingsMinuteRow(long MinuteUnix, long TotalBookings, long Products);

/// <summary>One product's popularity summed over a whole range.</summary>
public sealed record PopularityTotalRow(string ProductId, long TotalViews, long TotalWishlists, long TotalBookings, double TotalScore, int AnyProvisional);

/// <summary>One product's popularity in one minute.</summary>
public sealed record PopularityMinuteRow(long MinuteUnix, string ProductId, long Views, long Wishlists, long Bookings, double Score, int Provisional);

// Answers. Provisional: some source partition has not closed that minute yet, so the value may still change.
// Truncated: there were more than Gateway:MaxRows rows; ask for a narrower range or a value.

public sealed record ConcurrentUsersResponse(
    DateTimeOffset From, DateTimeOffset To, string Dimension, IReadOnlyList<ConcurrentUsersItem> Rows, bool Truncated);

public sealed record ConcurrentUsersItem(DateTimeOffset Minute, string Dimension, string Value, long Users, bool Provisional);

public sealed record BookingsResponse(
    DateTimeOffset From, DateTimeOffset To, string Dimension, IReadOnlyList<BookingsItem> Rows, bool Truncated);

/// <summary>
/// <c>window_start</c> (= minute) and <c>product_id</c> (= value, for dimension product) are the fields of the first
/// version of this endpoint, kept so that its clients keep working.
/// </summary>
public sealed record BookingsItem(
    DateTimeOffset Minute, string Dimension, string Value, string Currency,
    long Bookings, long Cancellations, long RevenueMinor, long CancelledRevenueMinor, bool Provisional,
    DateTimeOffset WindowStart,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ProductId);

public sealed record BookingsPerMinuteResponse(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<BookingsMinuteItem> Minutes);

public sealed record BookingsMinuteItem(DateTimeOffset WindowStart, long Bookings, long Products);

public sealed record PopularityTopResponse(
    DateTimeOffset From, DateTimeOffset To, int N, bool PerMinute, IReadOnlyList<PopularityItem> Rows, bool Truncated);

/// <summary>Rank is 1-based: over the whole range, or within <c>minute</c> when the request asked per_minute=true.</summary>
public sealed record PopularityItem(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? Minute,
    int Rank, string ProductId, long Views, long Wishlists, long Bookings, double Score, bool Provisional);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ConcurrentUsersRow))]
[JsonSerializable(typeof(BookingsRow))]
[JsonSerializable(typeof(BookingsMinuteRow))]
[JsonSerializable(typeof(PopularityTotalRow))]
[JsonSerializable(typeof(PopularityMinuteRow))]
[JsonSerializable(typeof(ConcurrentUsersResponse))]
[JsonSerializable(typeof(BookingsResponse))]
[JsonSerializable(typeof(BookingsPerMinuteResponse))]
[JsonSerializable(typeof(PopularityTopResponse))]
public sealed partial class GatewayJsonContext : JsonSerializerContext;
