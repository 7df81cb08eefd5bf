namespace Streaming.Metrics.Bookings;

/// <summary>Running totals of one bookings series in one window; money in minor units.</summary>
internal sealed class BookingTotals
{
    public long Bookings { get; set; }

    public long Cancellations { get; set; }

    public long RevenueMinor { get; set; }

    public long CancelledRevenueMinor { get; set; }

    public BookingTotals Copy() => new()
    {
        Bookings = Bookings,
        Cancellations = Cancellations,
        RevenueMinor = RevenueMinor,
        CancelledRevenueMinor = CancelledRevenueMinor,
    };
}
