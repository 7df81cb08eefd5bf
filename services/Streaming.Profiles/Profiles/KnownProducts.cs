using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Streaming.Profiles.Profiles;

/// <summary>
/// Product ids this silo knows are real: activated here (fed by the consumer, or found in storage), so that a lookup
/// need not read storage again. Bounded by <see cref="ProfileOptions.KnownProductsKept"/>: once full, further ids are
/// looked up in storage each time (still exact, a little slower).
/// </summary>
public sealed class KnownProducts(IOptions<ProfileOptions> options)
{
    private readonly ConcurrentDictionary<string, byte> ids = new(StringComparer.Ordinal);

    public int Count => ids.Count;

    public bool Contains(string productId) => ids.ContainsKey(productId);

    public void Add(string productId)
    {
        if (ids.Count < options.Value.KnownProductsKept)
        {
            ids.TryAdd(productId, 0);
        }
    }
}
