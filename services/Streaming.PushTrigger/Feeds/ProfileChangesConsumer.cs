using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Streaming.Kafka;
using Streaming.Profiles.Contracts;
using Streaming.PushTrigger.Audiences;

namespace Streaming.PushTrigger.Feeds;

/// <summary>
/// Reads <c>profile-changes</c> (group <c>push-trigger</c>, key = product id) and hands each product's changes, in
/// order, to its audience grain, which fires the product rules. A product's changes all come from one partition.
/// </summary>
public sealed class ProfileChangesConsumer(
    KafkaClients kafka,
    RecordProducer producer,
    IGrainFactory grains,
    IOptions<FeedOptions> options,
    TimeProvider clock,
    ILogger<ProfileChangesConsumer> logger,
    IHostApplicationLifetime lifetime) : GrainFeedConsumer(kafka, producer, options.Value.ForProfileChanges(), clock, logger, lifetime)
{
    private readonly Dictionary<string, (int Partition, List<ProfileVersion> Changes)> batch = new(StringComparer.Ordinal);

    protected override IReadOnlyCollection<string> InputTopics => [Kafka.Options.Name(Topics.ProfileChanges)];

    protected override string ConsumerGroup => "push-trigger";

    protected override bool TryAdd(ConsumeResult<string, byte[]> record, out string? reason)
    {
        if (!RecordJson.TryRead(record.Message.Value, ProfilesJsonContext.Default.ProfileChange, out var change, out reason))
        {
            return false;
        }

        if (string.IsNullOrEmpty(change.Profile?.ProductId))
        {
            reason = "profile.product_id is missing";
            return false;
        }

        var product = change.Profile.ProductId;
        if (!batch.TryGetValue(product, out var entry))
        {
            entry = (record.Partition.Value, []);
            batch[product] = entry;
        }

        entry.Changes.Add(new ProfileVersion(change.Profile, change.Version));
        return true;
    }

    protected override IReadOnlyList<FeedCall> SendBatch()
    {
        var calls = batch.Select(b =>
        {
            var grain = grains.GetGrain<IProductAudienceGrain>(b.Key);
            return new FeedCall(b.Value.Partition, "p:" + b.Key, grain.OnProfileChangesAsync(new([.. b.Value.Changes])), grain.FlushAsync);
        }).ToList();
        batch.Clear();
        return calls;
    }
}
