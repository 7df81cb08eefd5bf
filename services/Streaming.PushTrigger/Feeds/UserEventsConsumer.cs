using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.PushTrigger.Audiences;
using Streaming.PushTrigger.Users;

namespace Streaming.PushTrigger.Feeds;

/// <summary>
/// Reads <c>events</c> (group <c>push-users</c>, key = user id) and feeds, for each product event, the user's grain,
/// the product's audience (city, wishlisters) and the city's audience. Other event types are of no interest here.
/// </summary>
public sealed class UserEventsConsumer(
    KafkaClients kafka,
    RecordProducer producer,
    IGrainFactory grains,
    IOptions<FeedOptions> options,
    TimeProvider clock,
    ILogger<UserEventsConsumer> logger,
    IHostApplicationLifetime lifetime) : GrainFeedConsumer(kafka, producer, options.Value, clock, logger, lifetime)
{
    private readonly Dictionary<string, List<UserEvent>> users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<AudienceEvent>> products = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<AudienceEvent>> cities = new(StringComparer.Ordinal);

    protected override IReadOnlyCollection<string> InputTopics => [Kafka.Options.Name(Topics.Events)];

    protected override string ConsumerGroup => "push-users";

    protected override bool TryAdd(ConsumeResult<string, byte[]> record, out string? reason)
    {
        if (!AppEventReader.TryRead(record.Message.Value ?? [], out var e, out reason))
        {
            return false;
        }

        UserEventKind? kind = e.Type switch
        {
            EventTypes.ProductView => UserEventKind.View,
            EventTypes.WishlistAdd => UserEventKind.Wishlist,
            EventTypes.BookingConfirmed => UserEventKind.Booking,
            EventTypes.BookingCancelled => UserEventKind.Cancellation,
            _ => null,
        };
        if (kind is null || string.IsNullOrEmpty(e.ProductId))
        {
            return true; // not about a product: nothing for the push rules
        }

        var partition = record.Partition.Value;
        var offset = record.Offset.Value;
        Add(users, e.UserId, new UserEvent(kind.Value, e.ProductId, e.OccurredAt, e.City, partition, offset));
        var audience = new AudienceEvent(kind.Value, e.UserId, e.OccurredAt, e.City, partition, offset);
        Add(products, e.ProductId, audience);
        if (!string.IsNullOrEmpty(e.City))
        {
            Add(cities, e.City.ToLowerInvariant(), audience);
        }

        return true;
    }

    protected override IReadOnlyList<FeedCall> SendBatch()
    {
        var calls = new List<FeedCall>(users.Count + products.Count + cities.Count);
        foreach (var (id, events) in users)
        {
            var grain = grains.GetGrain<IUserPushGrain>(id);
            calls.Add(new FeedCall(events[0].Partition, "u:" + id, grain.ApplyAsync(new([.. events])), grain.FlushAsync));
        }

        // A product's or a city's events may come from several partitions: one call per partition keeps the rewinds exact.
        foreach (var (id, events) in products)
        {
            var grain = grains.GetGrain<IProductAudienceGrain>(id);
            foreach (var part in events.GroupBy(e => e.Partition))
            {
                calls.Add(new FeedCall(part.Key, "p:" + id, grain.ApplyAsync(new([.. part])), grain.FlushAsync));
            }
        }

        foreach (var (city, events) in cities)
        {
            var grain = grains.GetGrain<ICityAudienceGrain>(city);
            foreach (var part in events.GroupBy(e => e.Partition))
            {
                calls.Add(new FeedCall(part.Key, "c:" + city, grain.ApplyAsync(new([.. part])), grain.FlushAsync));
            }
        }

        users.Clear();
        products.Clear();
        cities.Clear();
        return calls;
    }

    private static void Add<T>(Dictionary<string, List<T>> batch, string key, T item)
    {
        if (!batch.TryGetValue(key, out var list))
        {
            list = [];
            batch[key] = list;
        }

        list.Add(item);
    }
}
