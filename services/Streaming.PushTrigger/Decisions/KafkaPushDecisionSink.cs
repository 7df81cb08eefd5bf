using System.Text.Json;
using Streaming.Kafka;
using Streaming.Push.Contracts;

namespace Streaming.PushTrigger.Decisions;

/// <summary>
/// Publishes a decision the grain has already written to its state (UserPushGrain stores first, then publishes): a
/// crash between the two loses nothing, because the replay finds the stored decision and publishes it again. So the
/// same decision (same push id) may be published twice, and the receiver and ClickHouse recognise it by push id.
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
