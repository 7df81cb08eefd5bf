using Streaming.Kafka;
using Streaming.Topology.Processing;

namespace Streaming.Topology.Kafka;

/// <summary>The repartition stage's output on Kafka: the repartition topic, keyed by the new key, the source position in a header.</summary>
internal sealed class KafkaRepartitionOutput(BulkProducer producer, KafkaDeadLetters deadLetters) : IRepartitionOutput
{
    public void Send(string key, byte[] value, SourcePosition source, DateTimeOffset eventTime) =>
        producer.Send(key, value, source, eventTime);

    public void DeadLetter(in InputRecord record, string reason) => deadLetters.Write(record, reason);
}
