using System.ComponentModel.DataAnnotations;

namespace Streaming.Gateway.Widgets;

/// <summary>Section "Widgets": the live profile streams and the just-booked feed.</summary>
public sealed class WidgetOptions
{
    public const string Section = "Widgets";

    /// <summary>Open SSE streams (live and just-booked together) this instance serves; beyond it a new stream gets 503.</summary>
    [Range(1, 1_000_000)]
    public int MaxSubscribers { get; set; } = 10_000;

    /// <summary>Open SSE streams one client address (an IPv6 /64) may hold; beyond it a new stream gets 429.</summary>
    [Range(1, 1_000_000)]
    public int MaxSubscribersPerClient { get; set; } = 20;

    /// <summary>
    /// A stream ends after at most this long (less up to a tenth, spreading reconnects); the client's EventSource reconnects
    /// with Last-Event-ID and resumes, so a slot held by a client that stopped reading is freed in the end.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxStreamLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>A comment line this often keeps proxies from closing a quiet stream.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>At most one event per product per subscriber this often (the newest is sent).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan MinEventInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Changes kept per product for a reconnect with Last-Event-ID.</summary>
    [Range(1, 1_000)]
    public int RecentChangesPerProduct { get; set; } = 16;

    /// <summary>Products whose recent changes are kept; changes of further products still reach live subscribers.</summary>
    [Range(1, 10_000_000)]
    public int MaxTrackedProducts { get; set; } = 200_000;

    /// <summary>How far back the just-booked feed reaches, and where the changes consumer starts at start-up.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan History { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Bookings the just-booked feed keeps (the newest).</summary>
    [Range(1, 10_000_000)]
    public int MaxJustBooked { get; set; } = 50_000;

    /// <summary>How long the gateway waits for a profile grain before answering 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ProfileTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
