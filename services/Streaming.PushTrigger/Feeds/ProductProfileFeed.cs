using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Streaming.Kafka;
using Streaming.Orleans.Feeds;
using Streaming.Profiles.Contracts;
using Streaming.PushTrigger.Audiences;

namespace Streaming.PushTrigger.Feeds;

/// <summary>
/// Reads <c>profile-changes</c> (group <c>push-trigger</c>, key = product id) and hands each product's changes, in
/// order, to its audience grain, which fires the product rules. A product's changes all come from one partition.
/// </summary>
public sealed class ProductProfileFeed(
    KafkaClients kafka,
    RecordProducer producer,
    IGrainFactory grains,
    IOptionsMonitor<GrainFeedOptions> options,
    TimeProvider clock,
    ILogger<ProductProfileFeed> logger,
    IHostApplicationLifetime lifetime) : GrainFeed<ProfileVersion>(kafka, producer, options.Get(Group), clock, logger, lifetime)
{
    public const string Group = "push-trigger";
    private const string Grain = "product-audience";

    protected override string InputTopic { get; } = kafka.Options.Name(Topics.ProfileChanges);

    protected override string ConsumerGroup => Group;

    /// <summary>Decisions sent so far must be on Kafka before the changes behind them are committed.</summary>
    protected override bool FlushOutputBeforeStoring => true;

    protected override void Map(ConsumeResult<string, byte[]> record, FeedEntries<ProfileVersion> entries)
    {
        if (!RecordJson.TryRead(record.Message.Value, ProfilesJsonContext.Default.ProfileChange, out var change, out var reason))
        {
            entries.Refuse(reason ?? "unreadable");
            return;
        }

        if (string.IsNullOrEmpty(change.Profile?.ProductId))
        {
            entries.Refuse("profile.product_id is missing");
            return;
        }

        entries.Add(new FeedTarget(Grain, change.Profile.ProductId), new ProfileVersion(change.Profile, change.Version));
    }

    protected override async Task<FeedReply> SendAsync(FeedTarget target, ProfileVersion[] items, bool write) =>
        new(await grains.GetGrain<IProductAudienceGrain>(target.Key).OnProfileChangesAsync(new Immutable<ProfileVersion[]>(items)));

    protected override Task<Guid> FlushAsync(FeedTarget target) => grains.GetGrain<IProductAudienceGrain>(target.Key).FlushAsync();
}
