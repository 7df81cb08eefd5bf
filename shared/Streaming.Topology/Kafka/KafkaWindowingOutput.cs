using System.Text;
using Confluent.Kafka;
using Streaming.Kafka;
using Streaming.Topology.Processing;

namespace Streaming.Topology.Kafka;

/// <summary>The windowing stage's output on Kafka: results to the sink topic, late records to the late-events topic, all through one producer.</summary>
internal sealed class KafkaWindowingOutput<TKey, TValue>(
    Func<TopologyResult<TKey, TValue>, OutputRecord> write,
    string sinkTopic,
    string lateTopic,
    string topologyName,
    RecordProducer producer,
    KafkaDeadLetters deadLetters) : IWindowingOutput<TKey, TValue>
{
    private readonly byte[] lateFor = Encoding.UTF8.GetBytes(topologyName);

    public void Result(TopologyResult<TKey, TValue> result)
    {
        var record = write(result);
        producer.Send(sinkTopic, record.Key, record.Value);
    }

    public void Late(in InputRecord record) => producer.Send(lateTopic, record.Key, record.Value!, new Headers { { "late-for", lateFor } });

    public void DeadLetter(in InputRecord record, string reason) => deadLetters.Write(record, reason);

    public void Flush() => producer.FlushAndThrowIfFailed(TimeSpan.FromSeconds(60));
}
