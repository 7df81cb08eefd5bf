using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.Orleans.Feeds;
using Streaming.PushTrigger.Audiences;
using Streaming.PushTrigger.Users;
using Streaming.Reposts;

namespace Streaming.PushTrigger.Feeds;

/// <summary>
/// Reads <c>events</c> (group <c>push-users</c>, key = user id) and feeds, for each product event, the user's grain,
/// the product's audience (city, wishlisters) and the city's audience. Other event types are of no interest here. An
/// app's re-post of an event (same <c>user_id</c> and <c>event_id</c>, a later record) is dropped before the grains,
/// as the profiles silo drops it, so it never counts twice toward a rule.
/// </summary>
public sealed class UserEventFeed(
    KafkaClients kafka,
    RecordProducer producer,
    IGrainFactory grains,
    IOptionsMonitor<GrainFeedOptions> options,
    TimeProvider clock,
    ILogger<UserEventFeed> logger,
    IHostApplicationLifetime lifetime) : GrainFeed<UserEventFeed.Item>(kafka, producer, options.Get(Group), clock, logger, lifetime)
{
    public const string Group = "push-users";
    internal const string UserGrain = "user";
    internal const string ProductGrain = "product-audience";
    internal const string CityGrain = "city-audience";

    protected override string InputTopic { get; } = kafka.Options.Name(Topics.Events);

    protected override string ConsumerGroup => Group;

    protected override bool DropsReposts => true;

    /// <summary>Decisions sent so far must be on Kafka before the events behind them are committed.</summary>
    protected override bool FlushOutputBeforeStoring => true;

    /// <summary>One product event as this feed carries it to a user's, a product's or a city's grain.</summary>
    public readonly record struct Item(string UserId, UserEvent Event);

    /// <summary>
    /// Who an event is, for dropping re-posts: its <c>event_id</c> within its <c>user_id</c>, and a fingerprint of what
    /// the push rules count it by (a copy that differs there is dead-lettered; the first copy counts).
    /// </summary>
    internal static EventIdentity IdentityOf(AppEvent e) => new(
        EventIdentity.IdOf(e.UserId, e.EventId),
        default(ContentHash).Add(e.Type).Add(e.ProductId).Add(e.OccurredAt.UtcTicks).Add(e.OccurredAt.Offset.Ticks).Add(e.City).ToUInt32());

    protected override void Map(ConsumeResult<string, byte[]> record, FeedEntries<Item> entries)
    {
        if (!AppEventReader.TryRead(record.Message.Value ?? [], out var e, out var reason))
        {
            entries.Refuse(reason);
            return;
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
            return; // not about a product: nothing for the push rules
        }

        entries.Identity = IdentityOf(e);
        var item = new Item(e.UserId, new UserEvent(kind.Value, e.ProductId, e.OccurredAt, e.City, record.Partition.Value, record.Offset.Value));
        entries.Add(new FeedTarget(UserGrain, e.UserId), item);
        entries.Add(new FeedTarget(ProductGrain, e.ProductId), item);
        if (!string.IsNullOrEmpty(e.City))
        {
            // A blank city is refused as a grain key: the record is dead-lettered, not fed in part.
            entries.Add(new FeedTarget(CityGrain, e.City.ToLowerInvariant()), item);
        }
    }

    protected override async Task<FeedReply> SendAsync(FeedTarget target, Item[] items, bool write) => new(target.Grain switch
    {
        UserGrain => await grains.GetGrain<IUserPushGrain>(target.Key).ApplyAsync(new([.. items.Select(i => i.Event)])),
        ProductGrain => await grains.GetGrain<IProductAudienceGrain>(target.Key).ApplyAsync(new(Audience(items))),
        _ => await grains.GetGrain<ICityAudienceGrain>(target.Key).ApplyAsync(new(Audience(items))),
    });

    protected override Task<Guid> FlushAsync(FeedTarget target) => target.Grain switch
    {
        UserGrain => grains.GetGrain<IUserPushGrain>(target.Key).FlushAsync(),
        ProductGrain => grains.GetGrain<IProductAudienceGrain>(target.Key).FlushAsync(),
        _ => grains.GetGrain<ICityAudienceGrain>(target.Key).FlushAsync(),
    };

    private static AudienceEvent[] Audience(Item[] items) =>
        [.. items.Select(i => new AudienceEvent(i.Event.Kind, i.UserId, i.Event.OccurredAt, i.Event.City, i.Event.Partition, i.Event.Offset))];
}
