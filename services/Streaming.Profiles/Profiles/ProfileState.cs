namespace Streaming.Profiles.Profiles;

/// <summary>
/// A product's stored profile: one-minute buckets by event time (minutes since the Unix epoch, UTC), distinct viewers
/// only for the minutes "viewers now" needs, the newest booking, and what has been applied (per events partition, the
/// highest source offset), so that a replay or a re-send is recognised and ignored.
/// </summary>
[GenerateSerializer]
public sealed class ProfileState
{
    [Id(0)] public Dictionary<long, MinuteCounts> Minutes { get; set; } = [];

    /// <summary>
    /// Distinct viewers per minute as states written before <see cref="PackedViewers"/> held them (binary and JSON):
    /// taken over by <see cref="ProductActivity"/> when it reads the state, never written again.
    /// </summary>
    [Id(1)] public Dictionary<long, HashSet<string>>? Viewers { get; set; }

    [Id(2)] public DateTimeOffset? LastBookedAt { get; set; }

    [Id(3)] public string? LastBookedCity { get; set; }

    /// <summary>The latest occurred_at among the events applied.</summary>
    [Id(4)] public DateTimeOffset? AsOf { get; set; }

    /// <summary>Per events-topic partition, the highest source offset applied: anything at or below is a duplicate.</summary>
    [Id(5)] public Dictionary<int, long> AppliedSourceOffsets { get; set; } = [];

    /// <summary>The product-events partition and offset of the last record applied (-1: none).</summary>
    [Id(6)] public int LastPartition { get; set; } = -1;

    [Id(7)] public long LastOffset { get; set; } = -1;

    /// <summary>Events applied so far: the profile reflects exactly the first <see cref="Version"/> events of its stream.</summary>
    [Id(8)] public long Version { get; set; }

    /// <summary>
    /// Confirmed bookings applied and not yet in a change (for the NewBookings of the next one), oldest first: a change
    /// takes them all, so a write stores only those a crash would otherwise keep from the just-booked feed.
    /// </summary>
    [Id(9)] public List<RecentBooking> RecentBookings { get; set; } = [];

    /// <summary>
    /// Distinct viewers per minute as states written before <see cref="PackedViewerKeys"/> held them (per user its UTF-16
    /// code units after their count): taken over by <see cref="ProductActivity"/> when it reads the state, never written again.
    /// </summary>
    [Id(10)] public Dictionary<long, byte[]> PackedViewers { get; set; } = [];

    /// <summary>
    /// The <see cref="Version"/> of the last change emitted (null in states written before it was kept: all emitted).
    /// Bookings above it in <see cref="RecentBookings"/> go with the first change after the profile is activated again.
    /// </summary>
    [Id(11)] public long? EmittedVersion { get; set; }

    /// <summary>
    /// Distinct viewers of the minutes that can still be in "viewers now" (the last 5 and any ahead of now), as stored:
    /// per minute the viewers' <see cref="ViewerKey"/>s, 8 bytes each (<see cref="ProductActivity"/> keeps the sets in
    /// memory and packs those that changed before each write). A barrier writes every profile fed, and sets of strings
    /// cost far more to serialize than bytes (most of the writes' CPU); only minutes that gained a viewer are packed again.
    /// </summary>
    [Id(12)] public Dictionary<long, byte[]> PackedViewerKeys { get; set; } = [];
}

/// <summary>Counts of one event-time minute.</summary>
[GenerateSerializer]
public sealed class MinuteCounts
{
    [Id(0)] public long Views { get; set; }

    [Id(1)] public long Wishlists { get; set; }

    [Id(2)] public long Bookings { get; set; }

    [Id(3)] public long Cancellations { get; set; }
}

/// <summary>A confirmed booking as applied; <paramref name="Version"/> is the profile version it was applied at.</summary>
[GenerateSerializer, Immutable]
public sealed record RecentBooking(
    [property: Id(0)] string EventId,
    [property: Id(1)] DateTimeOffset BookedAt,
    [property: Id(2)] string? City,
    [property: Id(3)] string? Category,
    [property: Id(4)] long Version);
