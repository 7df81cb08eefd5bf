using Microsoft.Extensions.Options;
using Streaming.Kafka;

namespace Streaming.DevHost.Simulation;

/// <summary>
/// Writes the simulated bookings table's change events to the CDC topic as Debezium would (`./run demo --bookings cdc`):
/// first a snapshot of the rows that exist, then one change per insert or update, keyed by the primary key.
/// </summary>
public sealed class BookingChangeWriter : IDisposable
{
    private readonly RecordProducer producer;
    private readonly string topic;
    private long written;

    public BookingChangeWriter(string bootstrapServers, string topic, int seed, long firstBookingId = 1)
    {
        var kafka = new KafkaClients(Options.Create(new KafkaOptions { BootstrapServers = bootstrapServers }));
        producer = kafka.CreateProducer("simulator-cdc");
        this.topic = topic;
        Table = new BookingTableChanges(seed, firstBookingId);
    }

    public BookingTableChanges Table { get; }

    /// <summary>Change events written and acknowledged.</summary>
    public long Written => Interlocked.Read(ref written);

    public void Write(IReadOnlyCollection<ChangeRecord> changes)
    {
        foreach (var change in changes)
        {
            // A tombstone is a record without a value.
            producer.Send(topic, change.Key, change.Value!);
        }

        producer.FlushAndThrowIfFailed(TimeSpan.FromSeconds(30));
        Interlocked.Add(ref written, changes.Count);
    }

    public void Dispose() => producer.Dispose();
}
