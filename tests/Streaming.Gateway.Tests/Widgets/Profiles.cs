using Streaming.Profiles.Contracts;

namespace Streaming.Gateway.Tests.Widgets;

/// <summary>Profiles and changes as the silo would emit them.</summary>
public static class Profiles
{
    public static ProductProfile WithBookings(string productId, long lastHour, DateTimeOffset? lastBookedAt = null, string? city = null) =>
        ProductProfile.Empty(productId) with
        {
            BookingsLastHour = lastHour,
            BookingsLast24h = lastHour,
            LastBookedAt = lastBookedAt,
            LastBookedCity = city,
            AsOf = lastBookedAt,
        };

    public static ProfileChange Change(string productId, long version, params BookingEntry[] newBookings) =>
        new(WithBookings(productId, version), version, 0, version, DateTimeOffset.UnixEpoch, newBookings);
}
