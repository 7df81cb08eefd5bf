using Streaming.Kafka;
using Streaming.Topology.Processing;

namespace Streaming.Topology.Testing;

/// <summary>
/// Runs a repartition-only topology without a broker: pipe in events, read what it sent to the repartition topic (key,
/// value, source position, event time) and what went to the dead-letter topic. It runs the Kafka runtime's own
/// routing, so filters, keys and positions are what runs on Kafka.
/// </summary>
public sealed class RepartitionTestDriver<TEvent>
    where TEvent : class
{
    private readonly RepartitionTopology<TEvent> topology;
    private readonly RepartitionStage<TEvent> stage;
    private readonly Dictionary<int, List<byte[]>> sourceLog = [];

    public RepartitionTestDriver(RepartitionTopology<TEvent> topology)
    {
        this.topology = topology;
        stage = new RepartitionStage<TEvent>(topology.Source, new RecordingOutput(this));
    }

    /// <summary>Every record sent to the repartition topic so far, in order.</summary>
    public List<RepartitionedRecord> Sent { get; } = [];

    /// <summary>Reasons of the records that went to the dead-letter topic.</summary>
    public List<string> DeadLetters { get; } = [];

    /// <summary>Writes an event to the source topic's <paramref name="partition"/> and routes it.</summary>
    public void Pipe(TEvent appEvent, int partition = 0) => PipeBytes(topology.Source.Format.Write(appEvent), partition);

    /// <summary>Writes raw bytes (e.g. a malformed record) to the source topic and routes them.</summary>
    public void PipeBytes(byte[] value, int partition = 0)
    {
        if (!sourceLog.TryGetValue(partition, out var log))
        {
            sourceLog[partition] = log = [];
        }

        log.Add(value);
        stage.Route(new InputRecord(partition, log.Count - 1, Key: null, value));
    }

    /// <summary>The sent values read back as events, with their keys.</summary>
    public IEnumerable<(string Key, TEvent Event)> SentEvents() =>
        Sent.Select(r => topology.Source.Format.TryRead(r.Value, out var e, out var reason)
            ? (r.Key, e)
            : throw new InvalidOperationException($"A sent record is unreadable: {reason}"));

    private sealed class RecordingOutput(RepartitionTestDriver<TEvent> driver) : IRepartitionOutput
    {
        public void Send(string key, byte[] value, SourcePosition source, DateTimeOffset eventTime) =>
            driver.Sent.Add(new RepartitionedRecord(key, value, source, eventTime));

        public void DeadLetter(in InputRecord record, string reason) => driver.DeadLetters.Add(reason);
    }
}

/// <summary>A record the repartition stage sent: its new key, the source record's bytes, its source position and event time.</summary>
public sealed record RepartitionedRecord(string Key, byte[] Value, SourcePosition Source, DateTimeOffset EventTime);
