using System.Text.Json;
using Streaming.Kafka;
using Streaming.Push.Contracts;

namespace Streaming.PushTrigger.Decisions;

/// <summary>
/// Publishes at once, before the grain writes its state: after a crash the same decision (same push id) may be
/// published again, and the receiver and ClickHouse recognise it by push id.
/// </summary>
public sealed class KafkaPushDecisionSink(RecordProducer producer, KafkaClients kafka) : IPushDecisionSink
{
    private readonly string commands = kafka.Options.Name(Topics.PushCommands);
    private readonly string decisions = kafka.Options.Name(Topics.PushDecisions);

    public void Publish(PushDecision decision)
    {
        if (decision.ToSend)
        {
            producer.Send(commands, decision.UserId, JsonSerializer.SerializeToUtf8Bytes(decision.ToCommand(), PushJsonContext.Default.PushCommand));
        }

        producer.Send(decisions, decision.UserId, JsonSerializer.SerializeToUtf8Bytes(decision.ToRecord(), PushJsonContext.Default.PushDecisionRecord));
    }
}
