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
/// A struct: the consumer makes one per record and hands a product's batch to its grain as one array.
/// </summary>
/// <param name="Viewer">A view's user (<see cref="ViewerKey"/>), counted among a minute's distinct viewers (0 for other kinds).</param>
/// <param name="City">A booking's city (the consumer leaves it null for other kinds: no profile field uses it).</param>
/// <param name="Category">A booking's category (likewise).</param>
/// <param name="EventId">A booking's event id, for the just-booked feed's de-duplication (likewise: empty for others).</param>
[GenerateSerializer, Immutable]
public readonly record struct ProductEvent(
    [property: Id(0)] ProductEventKind Kind,
    [property: Id(1)] DateTimeOffset OccurredAt,
    [property: Id(10)] ulong Viewer,
    [property: Id(3)] string? City,
    [property: Id(4)] string? Category,
    [property: Id(5)] string EventId,
    [property: Id(6)] int SourcePartition,
    [property: Id(7)] long SourceOffset,
    [property: Id(8)] int Partition,
    [property: Id(9)] long Offset);
