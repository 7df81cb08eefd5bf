namespace Streaming.Events;

/// <summary>One validated event as it travels on the <c>events</c> topic (key = user id).</summary>
/// <param name="City">The city the event is about: the product's city for product events, else the user's.</param>
/// <param name="Category">The product's category (product events only; optional).</param>
/// <param name="Amount">Money in minor units (cents, won, yen) of <paramref name="Currency"/>; bookings only.</param>
public sealed record AppEvent(
    string EventId,
    string Type,
    string UserId,
    string SessionId,
    string? ProductId,
    DateTimeOffset OccurredAt,
    string Platform,
    string Country,
    string? City,
    long? Amount,
    string? Currency,
    DateTimeOffset ReceivedAt,
    string? Category = null);
