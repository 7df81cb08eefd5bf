using System.ComponentModel.DataAnnotations;

namespace Streaming.PushTrigger.Feeds;

/// <summary>How the push silo's consumers feed the grains; section "PushFeeds".</summary>
public sealed class FeedOptions
{
    public const string Section = "PushFeeds";

    /// <summary>Every this often the grains fed write their state and the offsets behind it are stored.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Records read before the batch goes to the grains (one call per grain per batch).</summary>
    [Range(1, 100_000)]
    public int MaxBatch { get; set; } = 5_000;

    /// <summary>A batch goes out at the latest this long after its first record, or when the input has nothing more.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:05")]
    public TimeSpan MaxBatchDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>While grain storage fails, input stays paused and the barrier is retried this often.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(1);
}
