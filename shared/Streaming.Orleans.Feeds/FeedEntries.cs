using Streaming.Reposts;

namespace Streaming.Orleans.Feeds;

/// <summary>
/// What one record means to the grains, filled by <see cref="GrainFeed{TItem}.Map"/>: the grains it goes to with an
/// item each, its identity for dropping re-posts, or why it cannot be read. Reused from record to record.
/// </summary>
public sealed class FeedEntries<TItem>
{
    private readonly List<(FeedTarget Target, TItem Item)> entries = [];

    /// <summary>The record's event identity: set it for a re-post of it to be dropped (see <see cref="GrainFeedOptions.RepostHorizon"/>).</summary>
    public EventIdentity? Identity { get; set; }

    /// <summary>Set by <see cref="Refuse"/>: the record is dead-lettered with this reason.</summary>
    public string? Refused { get; private set; }

    internal int Count => entries.Count;

    internal (FeedTarget Target, TItem Item) this[int index] => entries[index];

    /// <summary>The record goes to <paramref name="target"/> as <paramref name="item"/>.</summary>
    public void Add(FeedTarget target, TItem item) => entries.Add((target, item));

    /// <summary>The record cannot be read: it is dead-lettered with <paramref name="reason"/> and goes to no grain.</summary>
    public void Refuse(string reason) => Refused = reason;

    internal void Clear()
    {
        entries.Clear();
        Identity = null;
        Refused = null;
    }
}
