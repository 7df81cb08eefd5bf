using System.ComponentModel.DataAnnotations;

namespace Streaming.Profiles.ProductEvents;

/// <summary>How the silo's consumer feeds the grains; section "ProductEvents".</summary>
public sealed class ProductEventsOptions
{
    public const string Section = "ProductEvents";

    /// <summary>
    /// Every this often the grains fed write their state and the offsets behind it are stored: each barrier writes
    /// every product fed since the last one, so this bounds the storage writes (and their CPU) per second, and also what
    /// a crash makes the silo read again. 5 s, as the topologies checkpoint.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Records read before the batch goes to the grains (grouped by product: one call per product per batch).</summary>
    [Range(1, 1_000_000)]
    public int MaxBatch { get; set; } = 100_000;

    /// <summary>
    /// A batch goes to the grains at the latest this long after its first record, or as soon as the input has nothing
    /// more: longer batches mean fewer grain calls per event (CPU: in a busy stream every product gets one call per
    /// batch), shorter ones a faster change. A booking shows within this plus the change interval (1 s) at worst, and
    /// at once on a quiet stream, where the batch goes as soon as the input has nothing more.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:05")]
    public TimeSpan MaxBatchDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>While grain storage fails, input stays paused and the barrier is retried this often.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long an event's identity (<c>user_id</c>, <c>event_id</c>) is remembered per product-events partition, to drop
    /// an app's re-post of it: measured in the partition's time (its newest record's <c>occurred_at</c>), from when
    /// the first copy was read. 1 hour, the metrics' correction horizon. Zero turns the check off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RepostHorizon { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A newly assigned partition is read back (up to where reading resumes) to remember the identities within the
    /// horizon: at most this many of its newest records. Each costs about a parse; 2,000,000 is an hour at 550 events/s
    /// per partition.
    /// </summary>
    [Range(0, 100_000_000)]
    public int MaxRebuildRecords { get; set; } = 2_000_000;

    /// <summary>
    /// And at most this long per partition: the group consumer is not polled meanwhile, so this stays well below the
    /// client's <c>max.poll.interval.ms</c> (5 minutes).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:03:00")]
    public TimeSpan MaxRebuildTime { get; set; } = TimeSpan.FromSeconds(60);
}
