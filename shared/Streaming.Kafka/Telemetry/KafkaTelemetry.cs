using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Streaming.Kafka.Telemetry;

/// <summary>
/// The Kafka library's activity source and meter (both "Streaming.Kafka"), and the attribute names of the OTel
/// messaging conventions that the fleet's spans and metrics use.
/// </summary>
public static class KafkaTelemetry
{
    public const string Name = "Streaming.Kafka";

    public const string MessagingSystem = "messaging.system";
    public const string MessagingOperationType = "messaging.operation.type";
    public const string MessagingDestination = "messaging.destination.name";
    public const string MessagingPartition = "messaging.destination.partition.id";
    public const string MessagingConsumerGroup = "messaging.consumer.group.name";
    public const string MessagingBatchCount = "messaging.batch.message_count";

    /// <summary>Labels of the stage counters: the stage (its consumer group, or "ingest") and where records went.</summary>
    public const string Stage = "stage";
    public const string Destination = "destination";

    /// <summary>Label of <c>streaming.dead_letters</c>: the reason's class (<see cref="DeadLetterReasons"/>).</summary>
    public const string Reason = "reason";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>
    /// A "send {topic}" producer span over a batch the caller produces (ingest's events of one request), or null when
    /// nobody listens. Records sent while it is current carry its context.
    /// </summary>
    public static Activity? StartSend(string topic, int records)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity("send " + topic, ActivityKind.Producer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(MessagingSystem, "kafka");
            activity.SetTag(MessagingOperationType, "send");
            activity.SetTag(MessagingDestination, topic);
            activity.SetTag(MessagingBatchCount, records);
        }

        return activity;
    }

    static KafkaTelemetry()
    {
        // Instruments read counters that the hot paths keep in plain fields: nothing per record goes through the SDK.
        Meter.CreateObservableCounter("streaming.stage.records.in", StageCounters.ObserveIn, "{record}",
            "Records a stage consumed, by stage (consumer group) and input topic.");
        Meter.CreateObservableCounter("streaming.stage.records.out", StageCounters.ObserveOut, "{record}",
            "Records a stage wrote, by stage and destination (a topic, or a ClickHouse table for the sink).");
        Meter.CreateObservableCounter("streaming.stage.records.dead_lettered", StageCounters.ObserveDeadLettered, "{record}",
            "Records a stage could not process and wrote to the dead-letter topic, by stage.");
        Meter.CreateObservableCounter("streaming.dead_letters", StageCounters.ObserveDeadLetters, "{record}",
            "Dead letters written, by stage and reason class (rejected, exception, repeated_failure, refused, undeliverable).");
        Meter.CreateObservableCounter("streaming.dead_letters.unwritten", StageCounters.ObserveDeadLettersUnwritten, "{record}",
            "Dead letters the producer refused at once, by stage; their records are read again.");
        Meter.CreateObservableGauge("streaming.consumer.lag", ConsumerLag.Observe, "{record}",
            "Records between a consumer's position and the end of the partition, by consumer group, topic and partition.");
    }

    /// <summary>Touches the static constructor, so the instruments exist before the first scrape.</summary>
    internal static void EnsureInstruments() => _ = Meter;
}
