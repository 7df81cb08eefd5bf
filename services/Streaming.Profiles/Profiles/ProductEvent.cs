namespace Streaming.Profiles.Profiles;

/// <summary>What a profile counts.</summary>
public enum ProductEventKind : byte
{
    View,
    Wishlist,
    Booking,
    Cancellation,
}

/// <summary>
/// One product-events record as a grain applies it: the event's facts, where the repartitioner read it
/// (<paramref name="SourcePartition"/>/<paramref name="SourceOffset"/> on the events topic: the de-duplication key)
/// and where the profiles consumer read it (<paramref name="Partition"/>/<paramref name="Offset"/> on product-events).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ProductEvent(
    [property: Id(0)] ProductEventKind Kind,
    [property: Id(1)] DateTimeOffset OccurredAt,
    [property: Id(2)] string UserId,
    [property: Id(3)] string? City,
    [property: Id(4)] string? Category,
    [property: Id(5)] string EventId,
    [property: Id(6)] int SourcePartition,
    [property: Id(7)] long SourceOffset,
    [property: Id(8)] int Partition,
    [property: Id(9)] long Offset);
