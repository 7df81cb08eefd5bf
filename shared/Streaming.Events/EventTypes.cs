namespace Streaming.Events;

/// <summary>The event types of schema v1, as they appear on the wire.</summary>
public static class EventTypes
{
    public const string AppOpen = "app_open";
    public const string PageView = "page_view";
    public const string ProductView = "product_view";
    public const string Search = "search";
    public const string WishlistAdd = "wishlist_add";
    public const string BookingConfirmed = "booking_confirmed";
    public const string BookingCancelled = "booking_cancelled";
    public const string SessionHeartbeat = "session_heartbeat";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        AppOpen, PageView, ProductView, Search, WishlistAdd, BookingConfirmed, BookingCancelled, SessionHeartbeat,
    };

    /// <summary>Types that are about one product and so must name it.</summary>
    public static readonly IReadOnlySet<string> WithProduct = new HashSet<string>(StringComparer.Ordinal)
    {
        ProductView, WishlistAdd, BookingConfirmed, BookingCancelled,
    };

    /// <summary>Types that carry money and so must have an amount and a currency.</summary>
    public static readonly IReadOnlySet<string> WithAmount = new HashSet<string>(StringComparer.Ordinal)
    {
        BookingConfirmed, BookingCancelled,
    };
}

public static class Platforms
{
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { "ios", "android", "web", "server" };
}
