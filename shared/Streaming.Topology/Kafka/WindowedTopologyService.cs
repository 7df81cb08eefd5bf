using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Streaming.Kafka;
using Streaming.Topology.Processing;
using Streaming.Topology.Status;

namespace Streaming.Topology.Kafka;

/// <summary>
/// Runs the windowing stage of a topology on Kafka: one task per assigned input partition. Results are produced to
/// the sink topic; periodically, on revocation and on shutdown, each changed task's state is checkpointed after its
/// results were delivered, then the group offset is committed. On assignment a task restores its latest checkpoint
/// and resumes from the offset it reflects, so a crash re-emits results with the same identity and loses nothing.
/// </summary>
public sealed partial class WindowedTopologyService<TEvent, TKey, TValue>(
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
    private readonly Dictionary<TopicPartition, TaskState> tasks = [];
    private readonly List<TopologyResult<TKey, TValue>> results = [];
    private readonly string sinkTopic = kafka.Options.Name(topology.SinkTopic);
    private readonly string lateTopic = kafka.Options.Name(Topics.LateEvents);
    private readonly byte[] lateFor = Encoding.UTF8.GetBytes(topology.Name);
    private RecordProducer? producer;
    private CheckpointStore? checkpoints;
    private DeadLetterWriter? deadLetters;
    private DateTimeOffset nextCheckpoint;
    private DateTimeOffset nextProvisional;
    private DateTimeOffset nextAdvance;

    protected override IReadOnlyCollection<string> InputTopics => [kafka.Options.Name(topology.WindowInputTopic)];

    protected override IConsumer<string, byte[]> CreateConsumer()
    {
        producer = kafka.CreateProducer(topology.Name);
        checkpoints = new CheckpointStore(kafka, producer);
        deadLetters = new DeadLetterWriter(producer, kafka.Options, topology.Name, clock);
        return kafka.CreateConsumerBuilder(topology.Name, topology.Name)
            .SetPartitionsAssignedHandler((_, assigned) => assigned.Select(Restore).ToList())
            .SetPartitionsRevokedHandler((consumer, revoked) =>
            {
                Checkpoint(consumer);
                foreach (var tpo in revoked)
                {
                    if (tasks.Remove(tpo.TopicPartition, out var state))
                    {
                        status.Remove(state.Id);
                    }
                }
            })
            .Build();
    }

    private TopicPartitionOffset Restore(TopicPartition input)
    {
        var state = new TaskState(CheckpointStore.TaskId(topology.Name, input), new WindowingTask<TEvent, TKey, TValue>(topology, input.Partition.Value, clock));
        tasks[input] = state;
        var stored = checkpoints!.ReadLatest(state.Id, input, options.RestoreTimeout);
        if (stored is null)
        {
            LogStartedFresh(logger, state.Id);
            return new TopicPartitionOffset(input, Offset.Unset);
        }

        var checkpoint = JsonSerializer.Deserialize(stored, topology.CheckpointFormat)
            ?? throw new InvalidOperationException($"Checkpoint of {state.Id} is empty.");
        state.Task.Restore(checkpoint);
        state.Checkpointed = checkpoint.NextOffset; // Committed again by this owner, in case the last owner's commit failed.
        LogRestored(logger, state.Id, checkpoint.NextOffset, state.Task.Windows.OpenWindowCount);
        return new TopicPartitionOffset(input, new Offset(checkpoint.NextOffset));
    }

    protected override void Handle(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record)
    {
        if (!tasks.TryGetValue(record.TopicPartition, out var state))
        {
            return;
        }

        state.Dirty = true;
        var outcome = state.Task.Process(record.Message.Value, record.Offset.Value, SourcePosition.From(record.Message.Headers), results, out var reason);
        switch (outcome)
        {
            case RecordOutcome.TooLate:
                // Past the correction horizon: kept, counted and visible on the late topic, never silently dropped.
                producer!.Send(lateTopic, record.Message.Key, record.Message.Value, new Headers { { "late-for", lateFor } });
                break;
            case RecordOutcome.Unreadable:
                deadLetters!.Write(record, reason!);
                LogDeadLetter(logger, record.Partition.Value, record.Offset.Value, reason!);
                break;
        }

        if (results.Count > 0)
        {
            ProduceResults();
        }
    }

    protected override void Tick(IConsumer<string, byte[]> consumer)
    {
        var now = clock.GetUtcNow();
        if (now < nextAdvance)
        {
            return;
        }

        nextAdvance = now + options.AdvanceInterval;
        foreach (var state in tasks.Values)
        {
            var before = results.Count;
            state.Task.Advance(results);
            state.Dirty |= results.Count > before;
        }

        if (topology.ProvisionalEvery is { } every && now >= nextProvisional)
        {
            foreach (var state in tasks.Values)
            {
                state.Task.EmitProvisional(results);
            }

            nextProvisional = now + every;
        }

        ProduceResults();
        if (now >= nextCheckpoint)
        {
            Checkpoint(consumer);
            nextCheckpoint = clock.GetUtcNow() + options.CheckpointInterval;
            PublishStatus();
        }
    }

    protected override void Stopping(IConsumer<string, byte[]> consumer) => Checkpoint(consumer);

    private void ProduceResults()
    {
        foreach (var result in results)
        {
            var record = topology.Write(result);
            producer!.Send(sinkTopic, record.Key, record.Value);
        }

        results.Clear();
    }

    /// <summary>Results first, then the state that reflects them, then the group offset: a crash between any two steps re-emits, never loses.</summary>
    private void Checkpoint(IConsumer<string, byte[]> consumer)
    {
        ProduceResults();
        var dirty = tasks.Where(t => t.Value.Dirty).ToList();
        if (dirty.Count > 0)
        {
            producer!.FlushAndThrowIfFailed(TimeSpan.FromSeconds(60));
            foreach (var (input, state) in dirty)
            {
                checkpoints!.Write(state.Id, input, JsonSerializer.SerializeToUtf8Bytes(state.Task.Checkpoint(), topology.CheckpointFormat));
                state.Checkpointed = state.Task.NextOffset;
            }

            producer!.FlushAndThrowIfFailed(TimeSpan.FromSeconds(60));
            foreach (var (_, state) in dirty)
            {
                state.Dirty = false;
            }
        }

        // Every checkpointed offset not yet committed, including those whose commit failed in a rebalance: the group
        // offset is what lag monitoring reads, so it must catch up even when no new record arrives.
        var behind = tasks.Where(t => t.Value.Checkpointed > t.Value.Committed).ToList();
        if (behind.Count == 0)
        {
            return;
        }

        try
        {
            consumer.Commit(behind.Select(t => new TopicPartitionOffset(t.Key, new Offset(t.Value.Checkpointed))));
            foreach (var (_, state) in behind)
            {
                state.Committed = state.Checkpointed;
            }
        }
        catch (KafkaException ex)
        {
            // The checkpoint is what a restore reads; the commit is retried at the next checkpoint time.
            LogCommitFailed(logger, ex.Error.Reason);
        }
    }

    private void PublishStatus()
    {
        var now = clock.GetUtcNow();
        foreach (var state in tasks.Values)
        {
            var task = state.Task;
            var w = task.Windows;
            var watermark = w.Watermark == DateTimeOffset.MinValue ? (DateTimeOffset?)null : w.Watermark;
            status.Publish(new WindowTaskStatus(
                state.Id, task.RecordsIn, w.Corrections, w.TooLate, task.Duplicates, task.Unreadable, w.OpenWindowCount, watermark, (now - watermark)?.TotalSeconds));
        }
    }

    public override void Dispose()
    {
        producer?.Dispose();
        base.Dispose();
    }

    private sealed class TaskState(string id, WindowingTask<TEvent, TKey, TValue> task)
    {
        public string Id { get; } = id;

        public WindowingTask<TEvent, TKey, TValue> Task { get; } = task;

        public bool Dirty { get; set; }

        /// <summary>The input offset of the latest checkpoint written.</summary>
        public long Checkpointed { get; set; }

        /// <summary>The input offset last committed to the group by this instance.</summary>
        public long Committed { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {Task} starts without a checkpoint")]
    private static partial void LogStartedFresh(ILogger logger, string task);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {Task} restored at offset {Offset} with {Open} open windows")]
    private static partial void LogRestored(ILogger logger, string task, long offset, int open);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Committing offsets failed: {Reason}")]
    private static partial void LogCommitFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead-lettered partition {Partition} offset {Offset}: {Reason}")]
    private static partial void LogDeadLetter(ILogger logger, int partition, long offset, string reason);
}
