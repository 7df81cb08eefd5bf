using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Streaming.Profiles.Contracts;

namespace Streaming.Gateway.Widgets;

/// <summary>
/// The profile changes this gateway has read, per product: the recent ones (for a reconnect with Last-Event-ID) and
/// the live subscribers. A version at or below one already seen is a replay and is dropped. Fed by
/// <see cref="ProfileChangesConsumer"/> (or by a test).
/// </summary>
public sealed class ProfileChangesHub(IOptions<WidgetOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, ProductChanges> products = new(StringComparer.Ordinal);

    public int TrackedProducts => products.Count;

    /// <summary>Stores and forwards <paramref name="change"/>; false when it was a version already seen.</summary>
    public bool Publish(ProfileChange change)
    {
        var productId = change.Profile.ProductId;
        if (!products.TryGetValue(productId, out var product))
        {
            if (products.Count >= options.Value.MaxTrackedProducts)
            {
                return false;
            }

            product = products.GetOrAdd(productId, _ => new ProductChanges());
        }

        return product.Add(change, options.Value.RecentChangesPerProduct, time.GetUtcNow());
    }

    /// <summary>
    /// Attaches a subscriber; from now on it is offered every newer change. Returns the changes after
    /// <paramref name="afterVersion"/> still kept (none when null) and the newest version known.
    /// </summary>
    public ProfileSubscription Subscribe(string productId, long? afterVersion, out IReadOnlyList<ProfileChange> missed, out long? newestVersion)
    {
        var product = products.GetOrAdd(productId, _ => new ProductChanges());
        var subscription = new ProfileSubscription(product.Detach);
        product.Attach(subscription, afterVersion, out missed, out newestVersion);
        return subscription;
    }

    /// <summary>The newest change seen for <paramref name="productId"/>, if any is kept.</summary>
    public ProfileChange? Newest(string productId) => products.TryGetValue(productId, out var product) ? product.Newest : null;

    /// <summary>Forgets products with no subscriber and no change within <paramref name="age"/>.</summary>
    public void Prune(TimeSpan age)
    {
        var cutoff = time.GetUtcNow() - age;
        foreach (var (productId, product) in products)
        {
            if (product.IsIdleSince(cutoff))
            {
                products.TryRemove(new KeyValuePair<string, ProductChanges>(productId, product));
            }
        }
    }

    private sealed class ProductChanges
    {
        private readonly Lock gate = new();
        private readonly Queue<ProfileChange> recent = new();
        private ProfileSubscription[] subscribers = [];
        private long newestVersion = -1;
        private DateTimeOffset lastChangeAt = DateTimeOffset.MinValue;

        public bool Add(ProfileChange change, int keep, DateTimeOffset now)
        {
            ProfileSubscription[] offerTo;
            lock (gate)
            {
                if (change.Version <= newestVersion)
                {
                    return false;
                }

                newestVersion = change.Version;
                lastChangeAt = now;
                recent.Enqueue(change);
                while (recent.Count > keep)
                {
                    recent.Dequeue();
                }

                offerTo = subscribers;
            }

            foreach (var subscriber in offerTo)
            {
                subscriber.Offer(change);
            }

            return true;
        }

        public void Attach(ProfileSubscription subscription, long? afterVersion, out IReadOnlyList<ProfileChange> missed, out long? newest)
        {
            lock (gate)
            {
                subscribers = [.. subscribers, subscription];
                missed = afterVersion is { } after ? [.. recent.Where(c => c.Version > after)] : [];
                newest = newestVersion >= 0 ? newestVersion : null;
            }
        }

        public ProfileChange? Newest
        {
            get
            {
                lock (gate)
                {
                    return recent.Count > 0 ? recent.Last() : null;
                }
            }
        }

        public void Detach(ProfileSubscription subscription)
        {
            lock (gate)
            {
                subscribers = [.. subscribers.Where(s => !ReferenceEquals(s, subscription))];
            }
        }

        public bool IsIdleSince(DateTimeOffset cutoff)
        {
            lock (gate)
            {
                return subscribers.Length == 0 && lastChangeAt < cutoff;
            }
        }
    }
}

/// <summary>One subscriber's pending change: only the newest waits (older ones are superseded, each carries the whole profile).</summary>
public sealed class ProfileSubscription(Action<ProfileSubscription> detach) : IDisposable
{
    private readonly Channel<ProfileChange> pending = Channel.CreateBounded<ProfileChange>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public ChannelReader<ProfileChange> Changes => pending.Reader;

    internal void Offer(ProfileChange change) => pending.Writer.TryWrite(change);

    public void Dispose()
    {
        detach(this);
        pending.Writer.TryComplete();
    }
}
