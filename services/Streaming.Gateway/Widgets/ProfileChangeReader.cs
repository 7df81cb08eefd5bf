using System.Diagnostics.CodeAnalysis;
using Streaming.Kafka;
using Streaming.Profiles.Contracts;

namespace Streaming.Gateway.Widgets;

/// <summary>
/// Reads a profile-changes record: a <see cref="ProfileChange"/> the hub and the just-booked feed can take (a profile
/// with a product id; new bookings each with an event id and a product id), or why not.
/// </summary>
public static class ProfileChangeReader
{
    public static bool TryRead(byte[]? value, [NotNullWhen(true)] out ProfileChange? change, [NotNullWhen(false)] out string? reason) =>
        RecordJson.TryRead(value, ProfilesJsonContext.Default.ProfileChange, Problem, out change, out reason);

    private static string? Problem(ProfileChange change) =>
        change.Profile is null ? "profile is missing"
        : string.IsNullOrEmpty(change.Profile.ProductId) ? "profile.product_id is missing"
        : change.NewBookings?.Any(b => b is null) == true ? "new_bookings has a null entry"
        : change.NewBookings?.Any(b => string.IsNullOrEmpty(b.EventId) || string.IsNullOrEmpty(b.ProductId)) == true
            ? "new_bookings has an entry without event_id or product_id"
        : null;
}
