using System.Collections.Concurrent;

namespace Streaming.Profiles.ProductEvents;

/// <summary>Views per product seen by this instance (thread-safe: written by the consumer, read by HTTP).</summary>
public sealed class ProductViewCounter
{
    private readonly ConcurrentDictionary<string, long> views = new(StringComparer.Ordinal);

    public int Products => views.Count;

    public long Views => views.Values.Sum();

    public void CountView(string productId) => views.AddOrUpdate(productId, 1, static (_, n) => n + 1);
}
