using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.ClickHouseSink.Schema;
using Streaming.Events;
using Streaming.Kafka;

namespace Streaming.ClickHouseSink.Bookings;

/// <summary>
/// metrics.bookings → bookings_per_minute, in batches by size or age. Offsets are committed only after
/// ClickHouse acknowledged the insert; on failure the consumer pauses and retries with backoff, so nothing is lost.
/// Re-deliveries are harmless: rows have identity (window, key, revision) and the table replaces on revision.
/// </summary>
public sealed partial class BookingsSink(
    KafkaClients kafka,
    ClickHouseClient clickHouse,
    SchemaReadiness schema,
    IOptions<SinkOptions> options,
    TimeProvider clock,
    ILogger<BookingsSink> logger,
    IHostApplicationLifetime lifetime) : ConsumeLoopService(logger, lifetime)
{
    private readonly List<BookingRow> batch = [];
    private readonly Dictionary<TopicPartition, long> nextOffsets = [];
    private readonly DeliveryTracker deliveries = new();
    private IProducer<string, byte[]>? producer;
    private DeadLetterWriter? deadLetters;
    private DateTimeOffset batchStartedAt;
    private DateTimeOffset? retryAt;
    private TimeSpan retryDelay = TimeSpan.FromMilliseconds(200);

    protected override IReadOnlyCollection<string> InputTopics => [kafka.Options.Name(Topics.MetricsBookings)];

    protected override IConsumer<string, byte[]> CreateConsumer()
    {
        schema.Migrated.Wait();
        producer = kafka.CreateProducer("clickhouse-sink");
        deadLetters = new DeadLetterWriter(producer, kafka.Options, "clickhouse-sink", clock, deliveries);
        return kafka.CreateConsumerBuilder(options.Value.GroupId, "clickhouse-sink")
            .SetPartitionsRevokedHandler((consumer, _) =>
            {
                // Best effort: what cannot be written now is re-delivered to the next owner (not committed).
                if (!TryFlush(consumer))
                {
                    batch.Clear();
                    nextOffsets.Clear();
                }
            })
            .Build();
    }

    protected override void Handle(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record)
    {
        nextOffsets[record.TopicPartition] = record.Offset.Value + 1;
        if (!RecordJson.TryRead(record.Message.Value, EventJsonContext.Default.BookingsPerMinute, out var result, out var reason))
        {
            // Delivered before the offset is committed with the next batch.
            deadLetters!.Write(record, reason);
            deliveries.ThrowIfFailed(producer!, TimeSpan.FromSeconds(60));
            LogBadRecord(logger, record.Partition.Value, record.Offset.Value, reason);
            return;
        }

        if (batch.Count == 0)
        {
            batchStartedAt = clock.GetUtcNow();
        }

        batch.Add(BookingRow.From(result));
        if (batch.Count >= options.Value.BatchRows)
        {
            TryFlush(consumer);
        }
    }

    protected override void Tick(IConsumer<string, byte[]> consumer)
    {
        var now = clock.GetUtcNow();
        if (retryAt is { } at)
        {
            if (now >= at)
            {
                TryFlush(consumer);
            }
        }
        else if (batch.Count > 0 && now - batchStartedAt >= options.Value.BatchAge)
        {
            TryFlush(consumer);
        }
    }

    protected override void Stopping(IConsumer<string, byte[]> consumer) => TryFlush(consumer);

    private bool TryFlush(IConsumer<string, byte[]> consumer)
    {
        if (batch.Count == 0)
        {
            CommitOffsets(consumer);
            return true;
        }

        try
        {
            clickHouse.InsertAsync(FleetSchema.BookingsPerMinute, batch, SinkJsonContext.Default.BookingRow).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is HttpRequestException or ClickHouseException or TaskCanceledException)
        {
            // Pause all input until the retry succeeds: lag grows, nothing is dropped.
            if (retryAt is null)
            {
                consumer.Pause(consumer.Assignment);
            }

            retryAt = clock.GetUtcNow() + retryDelay;
            LogInsertFailed(logger, batch.Count, retryDelay.TotalSeconds, ex.Message);
            retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, options.Value.MaxRetryDelay.Ticks));
            return false;
        }

        LogInserted(logger, batch.Count);
        batch.Clear();
        CommitOffsets(consumer);
        if (retryAt is not null)
        {
            consumer.Resume(consumer.Assignment);
            retryAt = null;
        }

        retryDelay = TimeSpan.FromMilliseconds(200);
        return true;
    }

    private void CommitOffsets(IConsumer<string, byte[]> consumer)
    {
        if (nextOffsets.Count == 0)
        {
            return;
        }

        try
        {
            consumer.Commit(nextOffsets.Select(p => new TopicPartitionOffset(p.Key, new Offset(p.Value))));
            nextOffsets.Clear();
        }
        catch (KafkaException ex)
        {
            LogCommitFailed(logger, ex.Error.Reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Inserted {Rows} rows")]
    private static partial void LogInserted(ILogger logger, int rows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Insert of {Rows} rows failed; retrying in {Seconds} s: {Reason}")]
    private static partial void LogInsertFailed(ILogger logger, int rows, double seconds, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Committing offsets failed: {Reason}")]
    private static partial void LogCommitFailed(ILogger logger, string reason);

    public override void Dispose()
    {
        producer?.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Dead-lettered unreadable record at partition {Partition} offset {Offset}: {Reason}")]
    private static partial void LogBadRecord(ILogger logger, int partition, long offset, string reason);
}
