using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Streaming.Kafka;
using Streaming.Orleans.Feeds;
using Streaming.Profiles.Profiles;
using Streaming.Profiles.Status;

namespace Streaming.Profiles.ProductEvents;

/// <summary>
/// Reads product-events (group <c>profiles</c>) and feeds each product's events to its profile grain through the shared
/// grain feed (<see cref="GrainFeed{TItem}"/>: batches, barriers, offsets stored after the grains wrote, rewinds, poison
/// isolation, re-posts dropped per partition). This part says only what a record means to a profile.
/// </summary>
public sealed class ProductEventsConsumer(
    KafkaClients kafka,
    RecordProducer producer,
    IGrainFactory grains,
    ProfilesStatus status,
    IOptionsMonitor<GrainFeedOptions> options,
    TimeProvider clock,
    ILogger<ProductEventsConsumer> logger,
    IHostApplicationLifetime lifetime) : GrainFeed<ProductEvent>(kafka, producer, options.Get(Group), clock, logger, lifetime)
{
    public const string Group = "profiles";

    /// <summary>The configuration section of this feed's <see cref="GrainFeedOptions"/>.</summary>
    public const string Section = "ProductEvents";

    private const int MaxCachedWriters = 100_000;
    private const string Grain = "profile";
    private readonly Dictionary<string, IProductProfileWriter> writers = new(StringComparer.Ordinal);
    private long nextSample;

    protected override string InputTopic { get; } = kafka.Options.Name(Topics.ProductEvents);

    protected override string ConsumerGroup => Group;

    protected override bool DropsReposts => true;

    /// <summary>The profiles' defaults: 5 s barriers (as the topologies checkpoint), large batches (fewer grain calls per event).</summary>
    public static void Defaults(GrainFeedOptions o)
    {
        o.FlushInterval = TimeSpan.FromSeconds(5);
        o.MaxBatch = 100_000;
        o.MaxBatchDelay = TimeSpan.FromMilliseconds(500);
        // Profiles change at most once a second: batches as full as the input gives cost fewer grain calls per event.
        o.QuietPoll = TimeSpan.FromMilliseconds(100);
    }

    protected override void Map(ConsumeResult<string, byte[]> record, FeedEntries<ProductEvent> entries)
    {
        if (!ProductEventRecord.TryRead(record, out var productId, out var productEvent, out var identity, out var reason))
        {
            entries.Refuse(reason);
            return;
        }

        entries.Identity = identity;
        entries.Add(new FeedTarget(Grain, productId), productEvent);
    }

    protected override async Task<FeedReply> SendAsync(FeedTarget target, ProductEvent[] items, bool write)
    {
        var writer = WriterOf(target.Key);
        var events = new Immutable<ProductEvent[]>(items);
        var result = await (write ? writer.ApplyAndWriteAsync(events) : writer.ApplyAsync(events));
        return new FeedReply(result.Activation, result.Written);
    }

    protected override Task<Guid> FlushAsync(FeedTarget target) => WriterOf(target.Key).FlushAsync();

    protected override void OnDeadLettered(string reason) => status.DeadLetter();

    protected override void OnReposted(bool changed) => status.Reposted(changed);

    protected override void OnRewound() => status.Rewound();

    protected override void OnFlushFailed() => status.FlushFailed();

    protected override void OnRebuilt(long records, bool cutShort)
    {
        status.Rebuilt(records);
        if (cutShort)
        {
            status.RebuildCutShort();
        }
    }

    protected override void Tick(IConsumer<string, byte[]> consumer)
    {
        base.Tick(consumer);
        if (Environment.TickCount64 >= nextSample)
        {
            status.Remembering(IdentitiesRemembered);
            nextSample = Environment.TickCount64 + 2_000;
        }
    }

    /// <summary>Grain references by product: resolving one costs more than the call's own bookkeeping.</summary>
    private IProductProfileWriter WriterOf(string product)
    {
        if (!writers.TryGetValue(product, out var writer))
        {
            if (writers.Count >= MaxCachedWriters)
            {
                writers.Clear();
            }

            writer = grains.GetGrain<IProductProfileWriter>(product);
            writers[product] = writer;
        }

        return writer;
    }
}
