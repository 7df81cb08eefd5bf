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

    /// <summary>
    /// Profile changes sent to the product grains at once (at most <see cref="MaxBatch"/>): each may push every wishlister
    /// of its product or every recent visitor of its city, so a backlog goes in slices that finish well within
    /// <see cref="GrainCallTimeout"/>. Not much smaller: a batch waits for its slowest product, and with 100 a steady
    /// 1,000 changes per second queued up (push-latency with background traffic: p99 4.5 s, against 1.9 s unsliced).
    /// </summary>
    [Range(1, 100_000)]
    public int MaxChangesPerBatch { get; set; } = 1_000;

    /// <summary>
    /// Users deciding at once in the silo (each decision is a grain call and a state write): a burst of rules firing
    /// waits here instead of queueing hundreds of thousands of storage writes at Redis, which then time out and make
    /// the whole batch be read again.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxDecisionsInFlight { get; set; } = 256;

    /// <summary>
    /// How long a grain call may take before it fails (Orleans' response timeout in this silo, 30 s by default there):
    /// a product rule's call lasts until every user of its audience has decided, up to MaxAudience users.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:04:00")]
    public TimeSpan GrainCallTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>While grain storage fails, input stays paused and the barrier is retried this often.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>These settings with batches of at most <see cref="MaxChangesPerBatch"/> records (profile-changes).</summary>
    public FeedOptions ForProfileChanges() => new()
    {
        FlushInterval = FlushInterval,
        MaxBatch = Math.Min(MaxBatch, MaxChangesPerBatch),
        MaxBatchDelay = MaxBatchDelay,
        MaxChangesPerBatch = MaxChangesPerBatch,
        MaxDecisionsInFlight = MaxDecisionsInFlight,
        GrainCallTimeout = GrainCallTimeout,
        RetryInterval = RetryInterval,
    };
}
