namespace Streaming.PushTrigger.Users;

/// <summary>What a user did to a product, as the push trigger keeps it.</summary>
public enum UserEventKind : byte
{
    View,
    Wishlist,
    Booking,
    Cancellation,
}

/// <summary>
/// One events-topic record about a product, as a user's grain applies it. <paramref name="OccurredAt"/> keeps the
/// offset the client sent (the user's time zone); <paramref name="Partition"/>/<paramref name="Offset"/> (on the events
/// topic) is the de-duplication key.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record UserEvent(
    [property: Id(0)] UserEventKind Kind,
    [property: Id(1)] string ProductId,
    [property: Id(2)] DateTimeOffset OccurredAt,
    [property: Id(3)] string? City,
    [property: Id(4)] int Partition,
    [property: Id(5)] long Offset);
