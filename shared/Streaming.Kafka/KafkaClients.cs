using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace Streaming.Kafka;

/// <summary>Builds Kafka clients with the fleet's settings: one producer per process, consumers that commit by hand.</summary>
public sealed class KafkaClients(IOptions<KafkaOptions> options)
{
    public KafkaOptions Options => options.Value;

    /// <summary>One per stage or service: idempotent, all replicas acknowledge, each partition's records in send order.</summary>
    public RecordProducer CreateProducer(string clientId)
    {
        KafkaNative.EnsureLoaded();
        var config = new ProducerConfig
        {
            BootstrapServers = Options.BootstrapServers,
            ClientId = clientId,
            Acks = Acks.All,
            // Keeps each partition's records in send order through retries (downstream dedupe relies on it).
            EnableIdempotence = true,
            LingerMs = 5,
            CompressionType = CompressionType.None,
            MessageTimeoutMs = 30000,
        };
        return new RecordProducer(new ProducerBuilder<string, byte[]>(config).Build(), clientId);
    }

    public ConsumerBuilder<string, byte[]> CreateConsumerBuilder(string groupId, string clientId)
    {
        KafkaNative.EnsureLoaded();
        var config = new ConsumerConfig
        {
            BootstrapServers = Options.BootstrapServers,
            GroupId = groupId,
            ClientId = clientId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            SessionTimeoutMs = Options.SessionTimeoutMs,
            HeartbeatIntervalMs = Math.Max(1000, Options.SessionTimeoutMs / 5),
            // Eager assignment: the local mock cluster handles it reliably; cooperative-sticky misbehaved there.
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range,
        };
        return new ConsumerBuilder<string, byte[]>(config);
    }
}
