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
}
