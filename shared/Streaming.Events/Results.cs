namespace Streaming.Events;

/// <summary>
/// Bookings of one product in one currency during one event-time minute.
/// Identity is (WindowStart, ProductId, Currency, Revision): a re-emit with the same identity is a duplicate,
/// and a higher revision replaces a lower one.
/// </summary>
public sealed record BookingsPerMinute(
    DateTimeOffset WindowStart,
    string ProductId,
    string Currency,
    long Revision,
    long Bookings,
    long RevenueMinor);
