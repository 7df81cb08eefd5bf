namespace Streaming.Topology;

/// <summary>
/// A topology that only repartitions: reads its source, filters, and sends every kept record under its new key to the
/// repartition topic, stamped with its source position. It feeds windowed topologies (and any other reader) that read
/// the repartition topic as their source; their windowing stage drops re-sends by that position.
/// </summary>
public sealed record RepartitionTopology<TEvent>
    where TEvent : class
{
    public RepartitionTopology(SourceStream<TEvent> source)
    {
        Step = source.Repartition ?? throw new ArgumentException($"Topology '{source.Name}' has no repartition step.", nameof(source));
        Source = source;
    }

    public SourceStream<TEvent> Source { get; }

    public RepartitionStep<TEvent> Step { get; }

    public string Name => Source.Name;

    /// <summary>The topic it writes: the repartition topic.</summary>
    public string OutputTopic => Step.Topic;

    /// <summary>The consumer group that reads the source (the repartition stage's group: the name with "-repartition").</summary>
    public string ConsumerGroup => RepartitionGroup(Name);

    internal static string RepartitionGroup(string topologyName) => topologyName + "-repartition";
}
