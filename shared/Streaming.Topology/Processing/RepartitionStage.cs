using Streaming.Kafka;

namespace Streaming.Topology.Processing;

/// <summary>
/// The repartition stage's work on one source record: decode it (unreadable: dead letter with the reason), filter it,
/// then send it under its new key with its source position, so the windowing stage can drop re-sends. Filtered
/// records are never sent. The Kafka runtime and the test driver both run it; committing is the runtime's part.
/// </summary>
internal sealed class RepartitionStage<TEvent>(SourceStream<TEvent> source, IRepartitionOutput output)
    where TEvent : class
{
    private readonly RepartitionStep<TEvent> step = source.Repartition
        ?? throw new ArgumentException($"Topology '{source.Name}' has no repartition step.", nameof(source));

    public void Route(in InputRecord record)
    {
        if (!source.Format.TryRead(record.Value, out var appEvent, out var reason))
        {
            output.DeadLetter(record, reason);
            return;
        }

        if (source.Filter is { } filter && !filter(appEvent))
        {
            return;
        }

        // A readable record has a value.
        output.Send(step.Key(appEvent), record.Value!, new SourcePosition(record.Partition, record.Offset), source.EventTime(appEvent));
    }
}
