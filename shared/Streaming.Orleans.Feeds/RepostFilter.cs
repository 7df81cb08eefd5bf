using Streaming.Reposts;

namespace Streaming.Orleans.Feeds;

/// <summary>What <see cref="RepostFilter.Check"/> says about a record.</summary>
public enum RepostVerdict
{
    /// <summary>The first copy of its event (or a record read again that counted the first time): it goes to its grain.</summary>
    Count,

    /// <summary>A later copy of an event read before at a lower offset, with the same content: dropped.</summary>
    Repost,

    /// <summary>A later copy with other content (a field a profile counts by differs): dropped, the first copy counts.</summary>
    Changed,

    /// <summary>A record read again (a rewind) that was dropped the first time: dropped again, already reported.</summary>
    DroppedBefore,
}

/// <summary>
/// One partition's memory of the events it carried, to count an app's re-post once: the same identity (for app events
/// <c>user_id</c> and <c>event_id</c>) posted again is a second record at a higher offset, with a new source position,
/// which the grains' position check cannot recognise. Each identity is remembered (<see cref="RememberedEvents"/>:
/// a 64-bit id hash and a 32-bit content fingerprint of its first copy) until the partition's time has moved
/// <c>horizon</c> past the time its latest copy was read at. The partition's time is the newest record timestamp read
/// so far (the fleet's records carry their event's <c>occurred_at</c>), so expiry follows the records, not the
/// wall clock, and what is remembered at an offset depends only on the records of the horizon before it: a partition
/// read back from there after a crash or a rebalance drops and counts exactly what its previous reader would have
/// (<see cref="RepostHistory"/>). (Were an identity remembered from its first copy only, a chain of copies longer
/// than the horizon would make it depend on records before that.)
/// A record is checked once: reading it again (a rewind after a failed grain call, a replaced activation) repeats its
/// first verdict, from <see cref="checkedUpTo"/> and the offsets dropped since the last stored offset, so a rewind
/// neither drops a first copy nor lets a copy through. Not thread-safe: the consumer's thread owns it.
/// </summary>
public sealed class RepostFilter(TimeSpan horizon)
{
    private readonly RememberedEvents identities = new(keepJournal: false);
    private readonly uint horizonSeconds = (uint)Math.Ceiling(horizon.TotalSeconds);
    /// <summary>Offsets dropped at or after the last stored offset, ascending (re-posts are rare: usually empty).</summary>
    private readonly List<long> dropped = [];
    /// <summary>The offset after the last record checked: a record below it is read again.</summary>
    private long checkedUpTo;
    /// <summary>The newest record timestamp read, in Unix seconds.</summary>
    private uint partitionTime;

    /// <summary>Identities remembered (expired ones included until the table is rebuilt).</summary>
    public int Identities => identities.Count;

    /// <summary>Bytes held by the identities.</summary>
    public long Bytes => identities.Bytes;

    /// <summary>The offset after the last record checked.</summary>
    public long CheckedUpTo => checkedUpTo;

    /// <param name="offset">The record's offset.</param>
    /// <param name="timestampMs">The record's timestamp in Unix milliseconds.</param>
    /// <param name="identity">Its event's identity (what the feed's map says).</param>
    public RepostVerdict Check(long offset, long timestampMs, EventIdentity identity)
    {
        if (offset < checkedUpTo)
        {
            return dropped.Count > 0 && dropped.BinarySearch(offset) >= 0 ? RepostVerdict.DroppedBefore : RepostVerdict.Count;
        }

        checkedUpTo = offset + 1;
        var seconds = timestampMs <= 0 ? 0u : (uint)Math.Min(timestampMs / 1000, uint.MaxValue - horizonSeconds);
        partitionTime = Math.Max(partitionTime, seconds);
        var verdict = identities.Remember(identity.Id, identity.Content, partitionTime + horizonSeconds, partitionTime, extend: true) switch
        {
            Remembered.New => RepostVerdict.Count,
            Remembered.Repeat => RepostVerdict.Repost,
            _ => RepostVerdict.Changed,
        };
        if (verdict != RepostVerdict.Count)
        {
            dropped.Add(offset);
        }

        return verdict;
    }

    /// <summary>The partition's offset was stored at <paramref name="from"/>: nothing below it is read again.</summary>
    public void Stored(long from)
    {
        var below = dropped.BinarySearch(from);
        dropped.RemoveRange(0, below >= 0 ? below : ~below);
    }
}
