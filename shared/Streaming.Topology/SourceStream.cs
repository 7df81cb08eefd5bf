using Streaming.Reposts;

namespace Streaming.Topology;

/// <summary>A stream of events read from a topic: filter it, repartition it, then window it.</summary>
public sealed record SourceStream<TEvent>(
    string Name,
    string Topic,
    RecordFormat<TEvent> Format,
    Func<TEvent, DateTimeOffset> EventTime,
    Func<TEvent, bool>? Filter,
    RepartitionStep<TEvent>? Repartition)
    where TEvent : class
{
    /// <summary>Names each event's identity, so that re-sent copies are counted once; see <see cref="IdentifiedBy"/>.</summary>
    public Func<TEvent, EventIdentity>? Identity { get; init; }

    /// <summary>
    /// Counts each event once: the windowing tasks remember the identity of every event they counted (8 bytes of id
    /// hash, 4 of content fingerprint, 4 of expiry) until its window is past the correction horizon, keep them in
    /// checkpoints, and drop a later event with the same id; one whose content differs is dead-lettered with the reason.
    /// Identities are remembered per windowing task, so events with the same identity must reach the same task (e.g.
    /// scope the id by the input's key, or by the repartition key).
    /// </summary>
    public SourceStream<TEvent> IdentifiedBy(Func<TEvent, EventIdentity> identity) => this with { Identity = identity };

    /// <summary>Keeps only the events that match; several filters all apply.</summary>
    public SourceStream<TEvent> Where(Func<TEvent, bool> predicate) =>
        this with { Filter = Filter is { } previous ? e => previous(e) && predicate(e) : predicate };

    /// <summary>
    /// Re-keys the stream through <paramref name="topic"/>, so that all events with the same new key meet in one task.
    /// Records carry their source position, and the windowing stage drops re-sends after a crash.
    /// </summary>
    public SourceStream<TEvent> RepartitionBy(string topic, Func<TEvent, string> key)
    {
        if (Repartition is not null)
        {
            throw new InvalidOperationException($"Topology '{Name}' is already repartitioned through '{Repartition.Topic}'.");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        return this with { Repartition = new RepartitionStep<TEvent>(topic, key) };
    }

    /// <summary>
    /// Makes the repartition a topology of its own (a stage that only re-keys), for several readers of the repartition
    /// topic; run it with <c>AddRepartitionTopology</c>.
    /// </summary>
    public RepartitionTopology<TEvent> AsRepartitionTopology() => new(this);

    public WindowedStream<TEvent> WindowedBy(TumblingWindowOptions window) => new(this, window);
}

/// <summary>The repartition topic and the new key.</summary>
public sealed record RepartitionStep<TEvent>(string Topic, Func<TEvent, string> Key);
