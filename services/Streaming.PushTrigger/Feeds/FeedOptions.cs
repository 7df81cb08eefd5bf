using System.ComponentModel.DataAnnotations;
using Streaming.Orleans.Feeds;

namespace Streaming.PushTrigger.Feeds;

/// <summary>
/// The push silo's own feed settings, section "PushFeeds"; the shared ones (barriers, batches, retries, poison,
/// re-posts: <see cref="GrainFeedOptions"/>) are bound from the same section for each of its two feeds.
/// </summary>
public sealed class FeedOptions
{
    public const string Section = "PushFeeds";

    /// <summary>
    /// Profile changes sent to the product grains at once (at most <see cref="GrainFeedOptions.MaxBatch"/>): each may
    /// push every wishlister of its product or every recent visitor of its city, so a backlog goes in slices that finish
    /// well within <see cref="GrainCallTimeout"/>. Not much smaller: a batch waits for its slowest product, and with 100 a
    /// steady 1,000 changes per second queued up (push-latency with background traffic: p99 4.5 s, against 1.9 s unsliced).
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

    /// <summary>The profile-changes feed's settings: those of the section, with batches of at most <see cref="MaxChangesPerBatch"/>.</summary>
    public void SliceProfileChanges(GrainFeedOptions feed) => feed.MaxBatch = Math.Min(feed.MaxBatch, MaxChangesPerBatch);
}
