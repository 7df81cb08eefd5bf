using System.Text.Json;
using System.Text.Json.Serialization;
using Confluent.Kafka;

namespace Streaming.Kafka;

/// <summary>A record that could not be processed, with the reason, on the dead-letter topic. Payload is base64.</summary>
public sealed record DeadLetter(
    string Source,
    string Reason,
    string? Key,
    string Payload,
    string Topic,
    int Partition,
    long Offset,
    DateTimeOffset At);

/// <summary>Writes unprocessable records to the dead-letter topic, so that bad input is never dropped silently.</summary>
public sealed class DeadLetterWriter(RecordProducer producer, KafkaOptions options, string source, TimeProvider clock)
{
    private readonly string topic = options.Name(Topics.DeadLetter);

    public long Written { get; private set; }

    public void Write(ConsumeResult<string, byte[]> record, string reason)
    {
        var letter = new DeadLetter(source, reason, record.Message.Key, Convert.ToBase64String(record.Message.Value ?? []),
            record.Topic, record.Partition.Value, record.Offset.Value, clock.GetUtcNow());
        producer.Send(topic, record.Message.Key, JsonSerializer.SerializeToUtf8Bytes(letter, DeadLetterJsonContext.Default.DeadLetter));
        Written++;
        producer.Counters?.RecordDeadLettered();
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(DeadLetter))]
public sealed partial class DeadLetterJsonContext : JsonSerializerContext;
