using Streaming.Events;
using Streaming.Profiles.Profiles;

namespace Streaming.Profiles.Tests;

/// <summary>Product events for tests: each call takes the next source offset of its events partition unless told.</summary>
public sealed class Events
{
    private readonly Dictionary<int, long> nextOffset = [];
    private long productEventsOffset;

    public ProductEvent View(DateTimeOffset at, string user = "u1", int sourcePartition = 0) => Make(ProductEventKind.View, at, user, null, sourcePartition);

    public ProductEvent Wishlist(DateTimeOffset at, string user = "u1") => Make(ProductEventKind.Wishlist, at, user, null, 0);

    public ProductEvent Booking(DateTimeOffset at, string? city = "Busan", string user = "u1") => Make(ProductEventKind.Booking, at, user, city, 0);

    public ProductEvent Cancellation(DateTimeOffset at, string user = "u1") => Make(ProductEventKind.Cancellation, at, user, null, 0);

    private ProductEvent Make(ProductEventKind kind, DateTimeOffset at, string user, string? city, int sourcePartition)
    {
        var offset = nextOffset.GetValueOrDefault(sourcePartition);
        nextOffset[sourcePartition] = offset + 1;
        return new ProductEvent(kind, at, ViewerKey.Of(user), city, "tours", Guid.NewGuid().ToString("N"), sourcePartition, offset, 0, productEventsOffset++);
    }

    /// <summary>Whole events as they travel on product-events, for tests that go through Kafka.</summary>
    public sealed class AppEventBuilder(string productId)
    {
        public AppEvent Booking(DateTimeOffset at, string city) =>
            new("ev-" + Guid.NewGuid().ToString("N"), EventTypes.BookingConfirmed, "u1", "s1", productId, at, "web", "KR", city, 12000, "KRW", at, "tours");
    }
}
