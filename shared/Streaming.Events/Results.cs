namespace Streaming.Events;

/// <summary>
/// Windowed results as the aggregator writes them to the metrics topics. Every result is a partial for one source
/// partition (<c>Partition</c>): the partitions of a keyed stream hold disjoint keys, so partials add up to the exact
/// total. Identity is (WindowStart, dimensions, Partition, Revision): a re-emit with the same identity is a duplicate,
/// a higher revision replaces a lower one, and a final result replaces a provisional one of the same revision.
/// </summary>
public static class ResultDimensions
{
    public const string All = "all";
    public const string Platform = "platform";
    public const string Country = "country";
    public const string Product = "product";
    public const string Category = "category";
    public const string City = "city";
}

/// <summary>Distinct active users in one minute, for one dimension value (<c>all</c> has the value "").</summary>
public sealed record ConcurrentUsersPerMinute(
    DateTimeOffset WindowStart,
    string Dimension,
    string DimensionValue,
    int Partition,
    long Revision,
    bool Provisional,
    long Users);

/// <summary>Confirmed and cancelled bookings in one minute, for one dimension value and currency; money in minor units.</summary>
public sealed record BookingsPerMinute(
    DateTimeOffset WindowStart,
    string Dimension,
    string DimensionValue,
    string Currency,
    int Partition,
    long Revision,
    bool Provisional,
    long Bookings,
    long Cancellations,
    long RevenueMinor,
    long CancelledRevenueMinor);

/// <summary>Views, wishlists and bookings of one product in one minute, and their weighted score.</summary>
public sealed record ProductPopularityPerMinute(
    DateTimeOffset WindowStart,
    string ProductId,
    int Partition,
    long Revision,
    bool Provisional,
    long Views,
    long Wishlists,
    long Bookings,
    double Score);
