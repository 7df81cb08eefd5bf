namespace Streaming.Profiles.Contracts;

/// <summary>
/// One record on <c>profile-changes</c> (key = product id): the profile after an applied change that alters what a
/// widget shows, at most one per product per second.
/// </summary>
/// <param name="Version">Events applied to the product so far (the profile reflects exactly the first Version events of
/// its stream): it only grows, and a replay after a crash re-emits a version with the same counts, so readers drop
/// versions they have already seen.</param>
/// <param name="SourcePartition">The product-events partition whose records the profile reflects.</param>
/// <param name="SourceOffset">The last product-events offset applied: a consumer can resume from here.</param>
/// <param name="NewBookings">Confirmed bookings applied since the previous change (coalescing would hide them otherwise).</param>
public sealed record ProfileChange(
    ProductProfile Profile,
    long Version,
    int SourcePartition,
    long SourceOffset,
    DateTimeOffset EmittedAt,
    IReadOnlyList<BookingEntry> NewBookings);

/// <summary>A confirmed booking as the just-booked feed may show it. EventId is for de-duplication only, never shown.</summary>
public sealed record BookingEntry(string EventId, string ProductId, DateTimeOffset BookedAt, string? City, string? Category);
