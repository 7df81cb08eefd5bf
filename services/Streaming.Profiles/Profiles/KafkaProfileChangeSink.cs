using System.Text.Json;
using Streaming.Kafka;
using Streaming.Profiles.Contracts;

namespace Streaming.Profiles.Profiles;

/// <summary>Sends changes to profile-changes, keyed by product id, without waiting for Kafka's acknowledgement.</summary>
public sealed class KafkaProfileChangeSink(RecordProducer producer, KafkaClients kafka) : IProfileChangeSink
{
    private readonly string topic = kafka.Options.Name(Topics.ProfileChanges);

    public void Publish(ProfileChange change) =>
        producer.Send(topic, change.Profile.ProductId, JsonSerializer.SerializeToUtf8Bytes(change, ProfilesJsonContext.Default.ProfileChange),
            timestamp: change.EmittedAt);
}
