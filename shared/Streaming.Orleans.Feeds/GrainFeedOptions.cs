using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Streaming.Kafka;

namespace Streaming.Orleans.Feeds;

/// <summary>
/// How a <see cref="GrainFeed{TItem}"/> batches and writes; each feed binds them from its service's section (named
/// options, see <see cref="GrainFeedOptionsExtensions.AddGrainFeedOptions"/>). How many failures in a row make a record
/// poison is the fleet's one setting, <see cref="KafkaOptions.PoisonAfterFailures"/>.
/// </summary>
public sealed class GrainFeedOptions
{
    /// <summary>
    /// Every this often the grains fed write their state and the offsets behind it are stored: this bounds the storage
    /// writes per second, and also what a crash makes the feed read again.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Records read before the batch goes to the grains (one call per grain and partition per batch).</summary>
    [Range(1, 1_000_000)]
    public int MaxBatch { get; set; } = 5_000;

    /// <summary>A batch goes out at the latest this long after its first record, or as soon as the input has nothing more.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:05")]
    public TimeSpan MaxBatchDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// While a batch waits, a poll this long that brings nothing counts as a quiet input and sends the batch: short for a
    /// feed whose latency matters (a lone record would otherwise wait for a 100 ms poll), long for one whose cost does
    /// (every early batch is another call per grain).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:01")]
    public TimeSpan QuietPoll { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>While grains or their storage are unavailable, input stays paused and the barrier is retried this often.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long an event's identity is remembered per partition, to drop a re-post of it (measured in the partition's
    /// time: its newest record timestamp). Zero turns the check off; a feed whose records have no identity ignores it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RepostHorizon { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A newly assigned partition is read back to remember the identities within the horizon: at most this many of its newest records.</summary>
    [Range(0, 100_000_000)]
    public int MaxRebuildRecords { get; set; } = 2_000_000;

    /// <summary>And at most this long per partition: the group consumer is not polled meanwhile (keep it well below max.poll.interval.ms).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:03:00")]
    public TimeSpan MaxRebuildTime { get; set; } = TimeSpan.FromSeconds(60);
}

public static class GrainFeedOptionsExtensions
{
    /// <summary>The setting each feed had before <see cref="KafkaOptions.PoisonAfterFailures"/> served them all.</summary>
    public const string ReplacedMaxFailures = "MaxFailures";

    /// <summary>
    /// Named <see cref="GrainFeedOptions"/> (<paramref name="name"/>: the feed's consumer group) bound from
    /// <paramref name="section"/> over the feed's own <paramref name="defaults"/>, validated at start. A section that
    /// still sets <c>MaxFailures</c> fails the start, naming its replacement, rather than be ignored.
    /// </summary>
    public static OptionsBuilder<GrainFeedOptions> AddGrainFeedOptions(
        this IServiceCollection services, string name, string section, Action<GrainFeedOptions>? defaults = null)
    {
        var options = services.AddOptions<GrainFeedOptions>(name);
        if (defaults is not null)
        {
            options.Configure(defaults);
        }

        options.BindConfiguration(section).ValidateDataAnnotations()
            .Validate<IConfiguration>(
                (_, configuration) => configuration.GetSection(section)[ReplacedMaxFailures] is null,
                $"{section}:{ReplacedMaxFailures} is no longer read: set {KafkaOptions.Section}:{nameof(KafkaOptions.PoisonAfterFailures)}, which every stage and feed uses")
            .ValidateOnStart();
        return options;
    }
}
