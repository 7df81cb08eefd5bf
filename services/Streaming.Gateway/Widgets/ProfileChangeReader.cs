using System.Diagnostics.CodeAnalysis;
using Streaming.Kafka;
using Streaming.Profiles.Contracts;

namespace Streaming.Gateway.Widgets;

/// <summary>Reads a profile-changes record: a <see cref="ProfileChange"/> that carries a profile, or why not.</summary>
public static class ProfileChangeReader
{
    public static bool TryRead(byte[]? value, [NotNullWhen(true)] out ProfileChange? change, [NotNullWhen(false)] out string? reason)
    {
        if (!RecordJson.TryRead(value, ProfilesJsonContext.Default.ProfileChange, out change, out reason))
        {
            return false;
        }

        reason = change.Profile is null ? "profile is missing"
            : string.IsNullOrEmpty(change.Profile.ProductId) ? "profile.product_id is missing"
            : change.NewBookings?.Any(b => b is null) == true ? "new_bookings has a null entry"
            : change.NewBookings?.Any(b => string.IsNullOrEmpty(b.EventId) || string.IsNullOrEmpty(b.ProductId)) == true
                ? "new_bookings has an entry without event_id or product_id"
            : null;
        if (reason is null)
        {
            return true;
        }

        change = null;
        return false;
    }
}
