namespace Streaming.Metrics.Bookings;

/// <summary>
/// Confirmed and cancelled bookings in one minute, for one dimension value and currency, from one source partition;
/// money in minor units. The record on <c>metrics.bookings</c>.
/// <c>Incarnation</c> names the run of the source partition's task that computed it (0 for results written before
/// incarnations existed); revisions compare within one incarnation, and the views add incarnations up.
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
    long CancelledRevenueMinor,
    long Incarnation = 0);
