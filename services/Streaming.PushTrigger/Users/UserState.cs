namespace Streaming.PushTrigger.Users;

/// <summary>
/// What the push trigger remembers of one user (stored with the user's grain): the products they were active on
/// recently, their time-zone offset, the pushes decided for them, and (per events partition) the highest offset
/// applied, so that a replay is recognised and ignored.
/// </summary>
[GenerateSerializer]
public sealed class UserState
{
    [Id(0)] public Dictionary<string, UserItem> Items { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The offset of the user's latest occurred_at (by instant), in minutes; 0 until an event is seen.</summary>
    [Id(1)] public int UtcOffsetMinutes { get; set; }

    [Id(2)] public DateTimeOffset? LatestOccurredAt { get; set; }

    /// <summary>Every push decided for the user within the activity window, by push id, suppressed ones included.</summary>
    [Id(3)] public Dictionary<string, DecidedPush> Pushes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Per events-topic partition, the highest offset applied: anything at or below is a duplicate.</summary>
    [Id(4)] public Dictionary<int, long> AppliedOffsets { get; set; } = [];

    /// <summary>When a user rule's delayed check is next due (its reminder is registered then); null: none.</summary>
    [Id(5)] public DateTimeOffset? NextCheckAt { get; set; }
}

/// <summary>The user's recent activity on one product. Times are event times (occurred_at), UTC.</summary>
[GenerateSerializer]
public sealed class UserItem
{
    /// <summary>The product's city, as the product events carry it.</summary>
    [Id(0)] public string? City { get; set; }

    [Id(1)] public DateTimeOffset? WishlistedAt { get; set; }

    /// <summary>Recent views, oldest first, at most <see cref="UserActivity.MaxViewsPerItem"/>.</summary>
    [Id(2)] public List<DateTimeOffset> Views { get; set; } = [];

    /// <summary>The latest confirmed booking not cancelled since.</summary>
    [Id(3)] public DateTimeOffset? BookedAt { get; set; }

    [Id(4)] public DateTimeOffset LastActiveAt { get; set; }
}

/// <summary>A decision already taken (a replay that decides the same push id publishes it again and decides nothing).</summary>
/// <param name="Counts">True when the push was sent or held: it counts against the caps; false: suppressed or expired.</param>
/// <param name="Decision">The decision as published.</param>
/// <param name="City">The trigger's city (product rules), for trending_in_city's one decision per city and hour.</param>
[GenerateSerializer, Immutable]
public sealed record DecidedPush(
    [property: Id(0)] string Rule,
    [property: Id(1)] string ProductId,
    [property: Id(2)] DateTimeOffset DecidedAt,
    [property: Id(3)] DateTimeOffset SendAt,
    [property: Id(4)] bool Counts,
    [property: Id(5)] Decisions.PushDecision? Decision = null,
    [property: Id(6)] string? City = null);
