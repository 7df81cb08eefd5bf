using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Streaming.Kafka;
using Streaming.Topology.Processing;
using Streaming.Topology.Status;
using Streaming.Topology.Telemetry;

namespace Streaming.Topology.Kafka;

/// <summary>
/// Runs the windowing stage of a topology on Kafka: a consumer loop that hands assignments, records, ticks,
/// revocations and shutdown to <see cref="WindowingStage{TEvent, TKey, TValue}"/>, with Kafka ports: results and
/// late records through one producer, checkpoints in the checkpoints topic, offsets committed to the group.
/// </summary>
internal sealed partial class WindowedTopologyService<TEvent, TKey, TValue>(
    WindowedTopology<TEvent, TKey, TValue> topology,
    KafkaClients kafka,
    TopologyRuntimeOptions options,
    TaskStatusBoard status,
    TimeProvider clock,
    ILogger<WindowedTopologyService<TEvent, TKey, TValue>> logger,
    IHostApplicationLifetime lifetime) : ConsumeLoopService(logger, lifetime)
    where TEvent : class
    where TKey : notnull
{
    private readonly string inputTopic = kafka.Options.Name(topology.WindowInputTopic);
    private RecordProducer? producer;
    private readonly WindowBatchTrace trace = new(kafka.Options.Name(topology.WindowInputTopic), topology.Name);
    private WindowingStage<TEvent, TKey, TValue>? stage;
    private DeadLetterWriter? deadLetters;

    protected override IReadOnlyCollection<string> InputTopics => [inputTopic];

    protected override string ConsumerGroup => topology.Name;

    private WindowingStage<TEvent, TKey, TValue> Stage => stage ?? throw new InvalidOperationException("The consumer was not created.");

    protected override IConsumer<string, byte[]> CreateConsumer()
    {
        producer = DisposeWithService(kafka.CreateProducer(topology.Name));
        deadLetters = new DeadLetterWriter(producer, kafka.Options, topology.Name, clock);
        // Rebalances are incremental: the handlers get only the partitions that move, and the tasks of the others
        // carry on. A partition's next owner is assigned it only after this member's revoked handler returned, so the
        // checkpoint it restores is the one written here.
        var consumer = kafka.CreateConsumerBuilder(topology.Name, topology.Name, withoutTopicAndTimestamp: true)
            .SetPartitionsAssignedHandler((_, assigned) => assigned
                .Select(input => new TopicPartitionOffset(input, Stage.Assign(input.Partition.Value) is { } next ? new Offset(next) : Offset.Unset))
                .ToList())
            .SetPartitionsRevokedHandler((_, revoked) => Stage.Revoke(revoked.Select(p => p.Partition.Value)))
            // Lost (this member was fenced): another member may already own and checkpoint them, so drop the tasks as
            // a crash would, without a checkpoint or commit; the new owner restores and re-emits.
            .SetPartitionsLostHandler((_, lost) => Stage.Lose(lost.Select(p => p.Partition.Value)))
            .Build();
        stage = new WindowingStage<TEvent, TKey, TValue>(
            topology,
            inputTopic,
            new KafkaWindowingOutput<TKey, TValue>(
                topology.Write, kafka.Options.Name(topology.SinkTopic), kafka.Options.Name(Topics.LateEvents), topology.Name, producer, new KafkaDeadLetters(deadLetters, inputTopic, logger)),
            new KafkaTaskCheckpoints(new CheckpointStore(kafka, producer), producer, inputTopic, options.RestoreTimeout),
            new ConsumerOffsetCommitter(consumer, inputTopic, logger),
            options,
            clock,
            status,
            logger,
            trace,
            partition => LogEnd(consumer, partition));
        return consumer;
    }

    /// <summary>The partition's high watermark, or null when the broker does not answer in time (then the checkpoint is trusted).</summary>
    private long? LogEnd(IConsumer<string, byte[]> consumer, int partition)
    {
        try
        {
            return consumer.QueryWatermarkOffsets(new TopicPartition(inputTopic, partition), options.RestoreTimeout).High.Value;
        }
        catch (KafkaException e)
        {
            LogLogEndUnknown(logger, inputTopic, partition, e.Error.Reason);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Log end of {Topic}/{Partition} unknown ({Reason}); the checkpoint is trusted")]
    private static partial void LogLogEndUnknown(ILogger logger, string topic, int partition, string reason);

    protected override void Handle(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record)
    {
        trace.Add(record.Message.Headers);
        Stage.Process(new InputRecord(record.Partition.Value, record.Offset.Value, record.Message.Key, record.Message.Value, SourcePosition.From(record.Message.Headers)));
    }

    protected override bool TickWhileReadingAtMostPerMillisecond => true; // its work is due every few seconds

    protected override DeadLetterWriter? DeadLetters => deadLetters;

    /// <summary>
    /// A record whose processing throws from its data is dead-lettered and skipped (its task's next offset is past it
    /// already, so checkpoints move on as for any record). A dependency's failure ends the loop as before, and the tasks
    /// restore from their checkpoints: a record read again in place could be counted twice.
    /// </summary>
    protected override bool RetriesInPlace => false;

    protected override void Tick(IConsumer<string, byte[]> consumer) => Stage.Tick();

    protected override void Stopping(IConsumer<string, byte[]> consumer) => Stage.Checkpoint();
}
