using System.Text.Json.Serialization;

namespace Streaming.Profiles.Contracts;

/// <summary>
/// What a "just booked" widget shows for one product, relative to "now", by event time in one-minute buckets
/// ("the last N minutes" = the N buckets ending with the current minute). Serialized snake_case by
/// <see cref="ProfilesJsonContext"/>; the field names are the widget API's (a digit starts its own word: the
/// snake_case policy alone would write bookings_last24h).
/// </summary>
/// <param name="ViewersNow">Distinct users with a product_view in the last 5 minutes.</param>
/// <param name="LastBookedAt">The exact occurred_at of the newest confirmed booking, UTC.</param>
/// <param name="Trend">One of <see cref="ProfileTrends"/>.</param>
/// <param name="AsOf">The latest occurred_at among the events the profile reflects; null when none.</param>
[GenerateSerializer, Immutable]
public sealed record ProductProfile(
    [property: Id(0)] string ProductId,
    [property: Id(1)] int ViewersNow,
    [property: Id(2), JsonPropertyName("views_last_5m")] long ViewsLast5m,
    [property: Id(3)] long ViewsLastHour,
    [property: Id(4), JsonPropertyName("wishlists_last_24h")] long WishlistsLast24h,
    [property: Id(5)] long BookingsLastHour,
    [property: Id(6), JsonPropertyName("bookings_last_24h")] long BookingsLast24h,
    [property: Id(7), JsonPropertyName("cancellations_last_24h")] long CancellationsLast24h,
    [property: Id(8)] DateTimeOffset? LastBookedAt,
    [property: Id(9)] string? LastBookedCity,
    [property: Id(10)] string Trend,
    [property: Id(11)] DateTimeOffset? AsOf)
{
    /// <summary>A product with no activity: zeros, not an error.</summary>
    public static ProductProfile Empty(string productId) =>
        new(productId, 0, 0, 0, 0, 0, 0, 0, null, null, ProfileTrends.Steady, null);
}

public static class ProfileTrends
{
    public const string Rising = "rising";
    public const string Falling = "falling";
    public const string Steady = "steady";
}
