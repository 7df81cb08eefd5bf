using Streaming.Kafka.Telemetry;
using Streaming.Profiles.ProductEvents;

namespace Streaming.Profiles.Status;

/// <summary>What this silo does, for its status endpoint and the demo's summary line (thread-safe counters).</summary>
public sealed class ProfilesStatus
{
    private long activations;
    private long applied;
    private long duplicates;
    private long deadLettered;
    private long storeFailures;
    private long rewinds;
    private long feeds;
    private long writes;
    private long changes;
    private long reposts;
    private long changedReposts;
    private long identities;
    private long readBack;
    private long cutShort;
    private long unknown;

    /// <summary>Product profiles active on this silo.</summary>
    public long ProductsLive => Interlocked.Read(ref activations);

    public long EventsApplied => Interlocked.Read(ref applied);

    public long DuplicatesIgnored => Interlocked.Read(ref duplicates);

    public long DeadLettered => Interlocked.Read(ref deadLettered);

    /// <summary>Records of the assigned product-events partitions not yet read (-1: not known yet), from the one lag meter.</summary>
    public long ConsumerLag => ConsumerLagReading.Of(ProductEventsConsumer.Group)?.Records ?? -1;

    /// <summary>Flush barriers that failed (grain storage unavailable) since start.</summary>
    public long FlushFailures => Interlocked.Read(ref storeFailures);

    /// <summary>product-events partitions assigned to this silo's consumer (sampled with the lag).</summary>
    public long Partitions => ConsumerLagReading.Of(ProductEventsConsumer.Group)?.Partitions ?? 0;

    /// <summary>Times a partition was read again because a grain activation it fed was lost (or a feed failed).</summary>
    public long Rewinds => Interlocked.Read(ref rewinds);

    /// <summary>Grain calls that fed events (one per product per consumer batch).</summary>
    public long Feeds => Interlocked.Read(ref feeds);

    /// <summary>Grain states written to storage (at flush barriers, and on deactivation).</summary>
    public long StateWrites => Interlocked.Read(ref writes);

    /// <summary>Records sent to profile-changes.</summary>
    public long ChangesEmitted => Interlocked.Read(ref changes);

    /// <summary>Re-posts dropped before their grain: later copies of an event (same user and event id) of a partition.</summary>
    public long RepostsDropped => Interlocked.Read(ref reposts);

    /// <summary>Of those, copies whose content differed from the first (also dead-lettered).</summary>
    public long RepostsChanged => Interlocked.Read(ref changedReposts);

    /// <summary>Event identities remembered for the assigned partitions (sampled every 2 s).</summary>
    public long IdentitiesRemembered => Interlocked.Read(ref identities);

    /// <summary>Records read back to rebuild the identities of newly assigned partitions.</summary>
    public long IdentitiesReadBack => Interlocked.Read(ref readBack);

    /// <summary>Rebuilds stopped by their time bound or a Kafka error (re-posts of what was not read back count again).</summary>
    public long RebuildsCutShort => Interlocked.Read(ref cutShort);

    /// <summary>Profile reads of ids never stored, answered with zeros and no activation.</summary>
    public long UnknownProductsAnswered => Interlocked.Read(ref unknown);

    public void AnsweredUnknown() => Interlocked.Increment(ref unknown);

    public void Reposted(bool changed)
    {
        Interlocked.Increment(ref reposts);
        if (changed)
        {
            Interlocked.Increment(ref changedReposts);
        }
    }

    public void Remembering(long count) => Interlocked.Exchange(ref identities, count);

    public void Rebuilt(long records) => Interlocked.Add(ref readBack, records);

    public void RebuildCutShort() => Interlocked.Increment(ref cutShort);

    public void Rewound() => Interlocked.Increment(ref rewinds);

    public void Activated() => Interlocked.Increment(ref activations);

    public void Deactivated() => Interlocked.Decrement(ref activations);

    /// <summary>One feed applied <paramref name="events"/> and ignored <paramref name="duplicated"/>.</summary>
    public void Applied(int events, int duplicated)
    {
        Interlocked.Increment(ref feeds);
        Interlocked.Add(ref applied, events);
        Interlocked.Add(ref duplicates, duplicated);
    }

    public void Written() => Interlocked.Increment(ref writes);

    public void Emitted() => Interlocked.Increment(ref changes);

    public void DeadLetter() => Interlocked.Increment(ref deadLettered);

    public void FlushFailed() => Interlocked.Increment(ref storeFailures);
}
