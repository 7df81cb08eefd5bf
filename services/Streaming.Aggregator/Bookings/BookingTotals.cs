namespace Streaming.Aggregator.Bookings;

/// <summary>Running totals of one (product, currency) in one window.</summary>
public sealed class BookingTotals
{
    public long Bookings { get; set; }

    public long RevenueMinor { get; set; }

    public BookingTotals Copy() => new() { Bookings = Bookings, RevenueMinor = RevenueMinor };
}
