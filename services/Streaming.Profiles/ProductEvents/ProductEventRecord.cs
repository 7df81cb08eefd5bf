using System.Text;
using Confluent.Kafka;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.Profiles.Profiles;
using Streaming.Reposts;

namespace Streaming.Profiles.ProductEvents;

/// <summary>
/// A product-events record as a grain applies it, or why it cannot be (the reason is dead-lettered): the event is read
/// by <see cref="AppEventReader.TryReadProjection"/>, which keeps only what a profile uses, and only a booking turns its
/// id, city and category into strings. Each event also gets its identity, for dropping an app's re-posts
/// (<see cref="RepostFilter"/>): the id hashes the <c>user_id</c> and <c>event_id</c> bytes, the fingerprint what a
/// profile counts by.
/// </summary>
public static class ProductEventRecord
{
    public static bool TryRead(ConsumeResult<string, byte[]> record, out string productId, out ProductEvent productEvent, out EventIdentity identity, out string reason)
    {
        productId = "";
        productEvent = default;
        identity = default;
        if (SourcePosition.From(record.Message.Headers) is not { } source)
        {
            reason = "no source position (src-partition/src-offset headers): cannot be de-duplicated";
            return false;
        }

        if (!AppEventReader.TryReadProjection(record.Message.Value ?? [], out var e, out var unreadable))
        {
            reason = unreadable;
            return false;
        }

        ProductEventKind? kind = e.Type switch
        {
            EventTypes.ProductView => ProductEventKind.View,
            EventTypes.WishlistAdd => ProductEventKind.Wishlist,
            EventTypes.BookingConfirmed => ProductEventKind.Booking,
            EventTypes.BookingCancelled => ProductEventKind.Cancellation,
            _ => null,
        };
        if (kind is not { } productKind)
        {
            reason = $"type '{e.Type}' is not a product event";
            return false;
        }

        if (string.IsNullOrEmpty(e.ProductId))
        {
            reason = "product_id is missing";
            return false;
        }

        productId = e.ProductId;
        // Only a booking keeps its id (for the just-booked feed's de-duplication), city and category (pooled), only a
        // view its user (distinct viewers, as a ViewerKey). The events topic keeps the client's offset; profiles show UTC.
        var booking = productKind == ProductEventKind.Booking;
        var (city, category) = booking ? (e.ReadCity(), e.ReadCategory()) : (null, null);
        productEvent = new ProductEvent(productKind, e.OccurredAt.ToUniversalTime(), productKind == ProductEventKind.View ? ViewerKey.Of(e.UserId) : 0,
            city, category, booking ? Encoding.UTF8.GetString(e.EventId) : "", source.Partition, source.Offset, record.Partition.Value, record.Offset.Value);
        // What a profile counts by (the user is in the id; only a booking keeps its city and category).
        var content = default(ContentHash).Add((long)productKind).Add(productEvent.OccurredAt.UtcTicks).Add(productId);
        identity = new EventIdentity(EventIdentity.IdOfUtf8(e.UserId, e.EventId), (booking ? content.Add(city).Add(category) : content).ToUInt32());
        reason = "";
        return true;
    }
}
