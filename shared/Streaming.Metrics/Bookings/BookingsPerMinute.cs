namespace Streaming.Metrics.Bookings;

/// <summary>
/// Confirmed and cancelled bookings in one minute, for one dimension value and currency, from one source partition;
/// money in minor units. The record on <c>metrics.bookings</c>.
/// </summary>
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
