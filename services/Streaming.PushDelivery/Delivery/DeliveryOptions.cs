using System.ComponentModel.DataAnnotations;

namespace Streaming.PushDelivery.Delivery;

/// <summary>Where and how pushes are delivered; section "PushDelivery".</summary>
public sealed class DeliveryOptions
{
    public const string Section = "PushDelivery";

    /// <summary>The push provider's endpoint (FCM-like): each push is POSTed there as JSON with <c>Idempotency-Key</c>.</summary>
    [Required(ErrorMessage = "PushDelivery:Endpoint is required (an absolute http(s) URL; ./run demo sets it to its receiver)")]
    [Url(ErrorMessage = "PushDelivery:Endpoint must be an absolute http(s) URL")]
    public string Endpoint { get; set; } = "";

    /// <summary>Failed attempts per push, the first included; after the last it is dead-lettered (an answer with a Retry-After is no failure).</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 6;

    /// <summary>Wait before the second attempt; doubled for each next one, up to <see cref="MaxBackoff"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A Retry-After is honoured up to this long (a longer one is cut to it; a shorter one than <see cref="InitialBackoff"/> waits that).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(10);

    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Requests in flight at once.</summary>
    [Range(1, 1000)]
    public int MaxInFlight { get; set; } = 32;
}
