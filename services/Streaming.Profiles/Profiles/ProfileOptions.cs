using System.ComponentModel.DataAnnotations;

namespace Streaming.Profiles.Profiles;

/// <summary>How profiles are computed and published; section "Profiles".</summary>
public sealed class ProfileOptions
{
    public const string Section = "Profiles";

    /// <summary>Views in the last 5 minutes needed before a product can be rising (and in the 5 before, falling).</summary>
    [Range(1, 1_000_000)]
    public int TrendMinViews { get; set; } = 10;

    /// <summary>Rising: the last 5 minutes' views are at least this many times those of the 5 before.</summary>
    [Range(1.0, 1000.0)]
    public double TrendRisingFactor { get; set; } = 1.5;

    /// <summary>Falling: the last 5 minutes' views are at most this share of those of the 5 before.</summary>
    [Range(0.0, 1.0)]
    public double TrendFallingRatio { get; set; } = 2.0 / 3.0;

    /// <summary>At most one profile-changes record per product per this interval; the trailing change follows it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan ChangeInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long past <see cref="ChangeInterval"/> a held-back change waits for the product's next batch, which then
    /// emits it along with its own events; only if none comes does a timer emit it alone. In a busy stream every
    /// product gets a batch at least every <c>ProductEvents:MaxBatchDelay</c>, so this spares a timer and a grain call
    /// per product and second; a product that went quiet shows its last change at most this much later.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:05")]
    public TimeSpan TrailingChangeWait { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Confirmed bookings not yet sent that a profile keeps for its next change (NewBookings): the newest this many.</summary>
    [Range(1, 100)]
    public int RecentBookings { get; set; } = 10;

    /// <summary>
    /// Product ids a silo remembers as real, so that reading their profile needs no storage read first; beyond it, each
    /// read of a further product reads storage once more (ids are short: about 100 bytes each).
    /// </summary>
    [Range(0, 10_000_000)]
    public int KnownProductsKept { get; set; } = 200_000;
}
