using System.Text.Json;
using Confluent.Kafka;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.Kafka.Telemetry;

namespace Streaming.Ingest.Events;

/// <summary>
/// Writes validated events to the events topic, keyed by user id so that one user's events stay in order. A request's
/// events are one "send events" span (a child of the request's), whose context every record carries.
/// </summary>
public sealed partial class EventPublisher(KafkaClients kafka, ILogger<EventPublisher> logger) : IDisposable
{
    private readonly RecordProducer producer = kafka.CreateProducer("ingest");
    private readonly string topic = kafka.Options.Name(Topics.Events);

    /// <summary>True when Kafka acknowledged every event.</summary>
    public async Task<bool> PublishAsync(IReadOnlyList<AppEvent> events, CancellationToken cancellationToken)
    {
        using var send = KafkaTelemetry.StartSend(topic, events.Count);
        var deliveries = new Task[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            deliveries[i] = producer.SendAndAcknowledgeAsync(
                topic, events[i].UserId, JsonSerializer.SerializeToUtf8Bytes(events[i], EventJsonContext.Default.AppEvent), events[i].OccurredAt, cancellationToken);
        }

        try
        {
            await Task.WhenAll(deliveries);
            return true;
        }
        catch (ProduceException<string, byte[]> ex)
        {
            send?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Error.Reason);
            LogProduceFailed(logger, ex.Error.Reason);
            return false;
        }
    }

    public void Dispose() => producer.Dispose();

    [LoggerMessage(Level = LogLevel.Error, Message = "Producing to Kafka failed: {Reason}")]
    private static partial void LogProduceFailed(ILogger logger, string reason);
}
