using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Streaming.Aggregator.Status;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.Windows;

namespace Streaming.Aggregator.Bookings;

/// <summary>
/// product-events (keyed by product) → one-minute event-time windows of confirmed bookings per (product, currency)
/// → metrics.bookings. Each input partition is a task whose state is checkpointed to Kafka after its results were
/// delivered; on assignment a task restores its checkpoint and resumes from the offset it reflects.
/// </summary>
public sealed partial class BookingsTopology(
    KafkaClients kafka,
    IOptions<AggregatorOptions> options,
    TaskStatusBoard status,
    TimeProvider clock,
    ILogger<BookingsTopology> logger,
    IHostApplicationLifetime lifetime) : ConsumeLoopService(logger, lifetime)
{
    private static readonly TimeSpan RestoreTimeout = TimeSpan.FromSeconds(60);
    private readonly Dictionary<TopicPartition, BookingsTask> tasks = [];
    private readonly List<WindowResult<BookingKey, BookingTotals>> emitted = [];
    private readonly string outputTopic = kafka.Options.Name(Topics.MetricsBookings);
    private readonly string lateTopic = kafka.Options.Name(Topics.LateEvents);
    private readonly DeliveryTracker deliveries = new();
    private IProducer<string, byte[]>? producer;
    private CheckpointStore? checkpoints;
    private DateTimeOffset nextCheckpoint;

    protected override IReadOnlyCollection<string> InputTopics => [kafka.Options.Name(Topics.ProductEvents)];

    protected override IConsumer<string, byte[]> CreateConsumer()
    {
        producer = kafka.CreateProducer("aggregator-bookings");
        checkpoints = new CheckpointStore(kafka, producer, deliveries);
        return kafka.CreateConsumerBuilder(options.Value.GroupId, "aggregator-bookings")
            .SetPartitionsAssignedHandler((_, assigned) => assigned.Select(Restore).ToList())
            .SetPartitionsRevokedHandler((consumer, revoked) =>
            {
                Checkpoint(consumer);
                foreach (var tpo in revoked)
                {
                    if (tasks.Remove(tpo.TopicPartition, out var task))
                    {
                        status.Remove(task.Id);
                    }
                }
            })
            .Build();
    }

    private TopicPartitionOffset Restore(TopicPartition input)
    {
        var windows = new PartitionWindows<BookingKey, BookingTotals>(
            options.Value.ToWindowOptions(), static () => new BookingTotals(), static t => t.Copy(), clock);
        var task = new BookingsTask(CheckpointStore.TaskId(options.Value.GroupId, input), windows);
        tasks[input] = task;
        var stored = checkpoints!.ReadLatest(task.Id, input, RestoreTimeout);
        if (stored is null)
        {
            LogStartedFresh(logger, task.Id);
            return new TopicPartitionOffset(input, Offset.Unset);
        }

        var checkpoint = JsonSerializer.Deserialize(stored, CheckpointJsonContext.Default.BookingsCheckpoint)
            ?? throw new InvalidOperationException($"Checkpoint of {task.Id} is empty.");
        if (checkpoint.Format != BookingsCheckpoint.CurrentFormat)
        {
            throw new InvalidOperationException($"Checkpoint of {task.Id} has format {checkpoint.Format}; this version reads {BookingsCheckpoint.CurrentFormat}.");
        }

        windows.Restore(checkpoint.Windows);
        task.NextOffset = checkpoint.NextOffset;
        foreach (var (partition, offset) in checkpoint.SourceOffsets)
        {
            task.SourceOffsets[partition] = offset;
        }

        LogRestored(logger, task.Id, checkpoint.NextOffset, windows.OpenWindowCount);
        return new TopicPartitionOffset(input, new Offset(checkpoint.NextOffset));
    }

    protected override void Handle(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record)
    {
        if (!tasks.TryGetValue(record.TopicPartition, out var task))
        {
            return;
        }

        task.NextOffset = record.Offset.Value + 1;
        task.Dirty = true;
        if (SourcePosition.From(record.Message.Headers) is { } source)
        {
            if (task.SourceOffsets.TryGetValue(source.Partition, out var seen) && source.Offset <= seen)
            {
                task.Duplicates++;
                return;
            }

            task.SourceOffsets[source.Partition] = source.Offset;
        }

        // The repartitioner wrote only readable events here.
        var appEvent = JsonSerializer.Deserialize(record.Message.Value, EventJsonContext.Default.AppEvent);
        if (appEvent is not { Type: EventTypes.BookingConfirmed, ProductId: not null })
        {
            return;
        }

        var key = new BookingKey(appEvent.ProductId, appEvent.Currency ?? "");
        var outcome = task.Windows.Add(key, appEvent.OccurredAt, record.Offset.Value, appEvent.Amount ?? 0, static (totals, amount) =>
        {
            totals.Bookings++;
            totals.RevenueMinor += amount;
        }, emitted);
        if (outcome == WindowAddOutcome.TooLate)
        {
            // Past the correction horizon: kept, counted and visible on the late topic, never silently dropped.
            producer!.ProduceWithBackpressure(lateTopic, new Message<string, byte[]>
            {
                Key = record.Message.Key,
                Value = record.Message.Value,
                Headers = new Headers { { "late-for", System.Text.Encoding.UTF8.GetBytes(options.Value.GroupId) } },
            }, deliveries.Handler);
        }
    }

    protected override void Tick(IConsumer<string, byte[]> consumer)
    {
        foreach (var task in tasks.Values)
        {
            var before = emitted.Count;
            task.Windows.Advance(emitted);
            task.Dirty |= emitted.Count > before;
        }

        ProduceEmitted();
        if (clock.GetUtcNow() >= nextCheckpoint)
        {
            Checkpoint(consumer);
            nextCheckpoint = clock.GetUtcNow() + options.Value.CheckpointInterval;
            PublishStatus();
        }
    }

    private void PublishStatus()
    {
        var now = clock.GetUtcNow();
        foreach (var task in tasks.Values)
        {
            var w = task.Windows;
            var watermark = w.Watermark == DateTimeOffset.MinValue ? (DateTimeOffset?)null : w.Watermark;
            status.Publish(new WindowTaskStatus(
                task.Id, w.RecordsIn, w.Corrections, w.TooLate, task.Duplicates, w.OpenWindowCount, watermark, (now - watermark)?.TotalSeconds));
        }
    }

    protected override void Stopping(IConsumer<string, byte[]> consumer) => Checkpoint(consumer);

    private void ProduceEmitted()
    {
        foreach (var result in emitted)
        {
            var (product, currency) = (result.Key.ProductId, result.Key.Currency);
            var value = new BookingsPerMinute(result.WindowStart, ResultDimensions.Product, product, currency, 0, result.Revision, false, result.Value.Bookings, 0, result.Value.RevenueMinor, 0);
            var key = string.Create(CultureInfo.InvariantCulture, $"{product}|{currency}|{result.WindowStart.ToUnixTimeSeconds()}");
            producer!.ProduceWithBackpressure(outputTopic, new Message<string, byte[]>
            {
                Key = key,
                Value = JsonSerializer.SerializeToUtf8Bytes(value, EventJsonContext.Default.BookingsPerMinute),
            }, deliveries.Handler);
        }

        emitted.Clear();
    }

    /// <summary>Results first, then the state that reflects them, then the group offset: a crash between any two steps re-emits, never loses.</summary>
    private void Checkpoint(IConsumer<string, byte[]> consumer)
    {
        ProduceEmitted();
        var dirty = tasks.Where(t => t.Value.Dirty).ToList();
        if (dirty.Count == 0)
        {
            return;
        }

        // Results must be delivered before the state that reflects them is saved.
        deliveries.ThrowIfFailed(producer!, TimeSpan.FromSeconds(60));
        foreach (var (input, task) in dirty)
        {
            var checkpoint = new BookingsCheckpoint(BookingsCheckpoint.CurrentFormat, task.NextOffset, task.SourceOffsets, task.Windows.Snapshot());
            checkpoints!.Write(task.Id, input, JsonSerializer.SerializeToUtf8Bytes(checkpoint, CheckpointJsonContext.Default.BookingsCheckpoint));
        }

        deliveries.ThrowIfFailed(producer!, TimeSpan.FromSeconds(60));

        foreach (var (_, task) in dirty)
        {
            task.Dirty = false;
        }

        var offsets = dirty.Where(t => t.Value.NextOffset > 0).Select(t => new TopicPartitionOffset(t.Key, new Offset(t.Value.NextOffset))).ToList();
        try
        {
            if (offsets.Count > 0)
            {
                consumer.Commit(offsets);
            }
        }
        catch (KafkaException ex)
        {
            // The checkpoint is what a restore reads; the group offset only matters when no checkpoint exists.
            LogCommitFailed(logger, ex.Error.Reason);
        }
    }

    public override void Dispose()
    {
        producer?.Flush(TimeSpan.FromSeconds(10));
        producer?.Dispose();
        base.Dispose();
    }

    private sealed class BookingsTask(string id, PartitionWindows<BookingKey, BookingTotals> windows)
    {
        public string Id { get; } = id;

        public PartitionWindows<BookingKey, BookingTotals> Windows { get; } = windows;

        public Dictionary<int, long> SourceOffsets { get; } = [];

        public long NextOffset { get; set; }

        public long Duplicates { get; set; }

        public bool Dirty { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {Task} starts without a checkpoint")]
    private static partial void LogStartedFresh(ILogger logger, string task);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {Task} restored at offset {Offset} with {Open} open windows")]
    private static partial void LogRestored(ILogger logger, string task, long offset, int open);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Committing offsets failed: {Reason}")]
    private static partial void LogCommitFailed(ILogger logger, string reason);
}
