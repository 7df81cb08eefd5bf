using System.Diagnostics.CodeAnalysis;
using Confluent.Kafka;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.Profiles.Profiles;

namespace Streaming.Profiles.ProductEvents;

/// <summary>Reads a product-events record into what a grain applies, or says why it cannot (the reason is dead-lettered).</summary>
public static class ProductEventParser
{
    public static bool TryParse(ConsumeResult<string, byte[]> record, [NotNullWhen(true)] out string? productId,
        [NotNullWhen(true)] out ProductEvent? productEvent, [NotNullWhen(false)] out string? reason)
    {
        productId = null;
        productEvent = null;
        if (SourcePosition.From(record.Message.Headers) is not { } source)
        {
            reason = "no source position (src-partition/src-offset headers): cannot be de-duplicated";
            return false;
        }

        if (!AppEventReader.TryRead(record.Message.Value ?? [], out var appEvent, out reason))
        {
            return false;
        }

        ProductEventKind? kind = appEvent.Type switch
        {
            EventTypes.ProductView => ProductEventKind.View,
            EventTypes.WishlistAdd => ProductEventKind.Wishlist,
            EventTypes.BookingConfirmed => ProductEventKind.Booking,
            EventTypes.BookingCancelled => ProductEventKind.Cancellation,
            _ => null,
        };
        if (kind is null)
        {
            reason = $"type '{appEvent.Type}' is not a product event";
            return false;
        }

        if (string.IsNullOrEmpty(appEvent.ProductId))
        {
            reason = "product_id is missing";
            return false;
        }

        productId = appEvent.ProductId;
        // The events topic keeps the client's offset; profiles show UTC.
        productEvent = new ProductEvent(kind.Value, appEvent.OccurredAt.ToUniversalTime(), appEvent.UserId, appEvent.City, appEvent.Category, appEvent.EventId,
            source.Partition, source.Offset, record.Partition.Value, record.Offset.Value);
        return true;
    }
}
