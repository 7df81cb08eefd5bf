using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.ClickHouseSink.Schema;
using Streaming.Kafka;
using Streaming.Metrics;

namespace Streaming.ClickHouseSink.Batching;

/// <summary>
/// One route's loop: its topic, its own consumer group, one batch for its table (see <see cref="TableBatcher{T}"/>).
/// Offsets are committed only after ClickHouse acknowledged the rows (and the dead letters among them were
/// delivered). While ClickHouse fails, input stays paused and the same batch is retried: lag grows, nothing is lost.
/// Re-deliveries are harmless: every row has an identity and the table keeps one row per identity.
/// </summary>
public sealed partial class TableSink<T>(
    SinkTable<T> route,
    KafkaClients kafka,
    ClickHouseClient clickHouse,
    SchemaReadiness schema,
    IOptions<SinkOptions> options,
    TimeProvider clock,
    ILogger<TableSink<T>> logger,
    IHostApplicationLifetime lifetime) : ConsumeLoopService(logger, lifetime)
    where T : class
{
    private static readonly TimeSpan DeadLetterFlushTimeout = TimeSpan.FromSeconds(60);
    private readonly TableBatcher<T> batcher = new(
        (rows, cancellationToken) => clickHouse.InsertRowBinaryAsync(route.Table, rows, route.Layout, cancellationToken), options.Value, clock);

    private RecordProducer? producer;
    private DeadLetterWriter? deadLetters;
    private bool deadLettersPending;

    protected override IReadOnlyCollection<string> InputTopics => [kafka.Options.Name(route.Topic)];

    protected override IConsumer<string, byte[]> CreateConsumer()
    {
        schema.Migrated.Wait();
        var clientId = "clickhouse-sink-" + route.Name;
        producer = kafka.CreateProducer(clientId);
        deadLetters = new DeadLetterWriter(producer, kafka.Options, clientId, clock);
        return kafka.CreateConsumerBuilder(options.Value.GroupPrefix + "." + route.Name, clientId)
            // Incremental rebalances: only the partitions that move are revoked; the others keep their batch rows and
            // their pause. Best effort: what cannot be written now is left uncommitted for the partitions' next owner.
            .SetPartitionsRevokedHandler((consumer, revoked) =>
            {
                if (Apply(consumer, batcher.Flush()) is not FlushOutcome.Written)
                {
                    batcher.Release(revoked.Select(p => p.TopicPartition));
                }
            })
            // Lost (this member was fenced): another member may own them already, so nothing of theirs is committed.
            .SetPartitionsLostHandler((_, lost) => batcher.Release(lost.Select(p => p.TopicPartition)))
            .Build();
    }

    protected override void Handle(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record)
    {
        if (!RecordJson.TryRead(record.Message.Value, route.Json, out var result, out var reason)
            || (reason = route.Problem(result)) is not null)
        {
            deadLetters!.Write(record, reason);
            deadLettersPending = true;
            batcher.Skip(record.TopicPartitionOffset);
            LogDeadLettered(logger, route.Name, record.Partition.Value, record.Offset.Value, reason);
            return;
        }

        batcher.Add(result, record.TopicPartitionOffset);
        if (batcher.IsWaitingToRetry)
        {
            // A partition assigned while input was paused: pause it too until the retry succeeds.
            consumer.Pause([record.TopicPartition]);
        }
        else if (batcher.IsFull)
        {
            Apply(consumer, batcher.Flush());
        }
    }

    protected override void Idle(IConsumer<string, byte[]> consumer) => Apply(consumer, batcher.FlushIfQuiet());

    protected override void Tick(IConsumer<string, byte[]> consumer) => Apply(consumer, batcher.FlushIfDue());

    protected override void Stopping(IConsumer<string, byte[]> consumer) => Apply(consumer, batcher.Flush());

    private FlushOutcome Apply(IConsumer<string, byte[]> consumer, FlushOutcome outcome)
    {
        switch (outcome)
        {
            case FlushOutcome.Written written:
                if (written.Recovered)
                {
                    consumer.Resume(consumer.Assignment);
                    LogRecovered(logger, route.Table);
                }

                if (written.Rows > 0)
                {
                    LogInserted(logger, route.Table, written.Rows);
                }

                Commit(consumer, written.Commit);
                break;
            case FlushOutcome.Failed failed:
                if (failed.First)
                {
                    // Pause all input until the retry succeeds: the batch stays as it is, lag grows instead.
                    consumer.Pause(consumer.Assignment);
                }

                LogInsertFailed(logger, route.Table, failed.Rows, failed.RetryIn.TotalSeconds, failed.Error.Message);
                break;
        }

        return outcome;
    }

    private void Commit(IConsumer<string, byte[]> consumer, IReadOnlyList<TopicPartitionOffset> offsets)
    {
        if (offsets.Count == 0)
        {
            return;
        }

        if (deadLettersPending)
        {
            // A dead-lettered record's offset is committed only once its letter is on the dead-letter topic.
            producer!.FlushAndThrowIfFailed(DeadLetterFlushTimeout);
            deadLettersPending = false;
        }

        try
        {
            // Stored, then committed by the client in the background (and before a revoked partition moves).
            foreach (var offset in offsets)
            {
                consumer.StoreOffset(offset);
            }
        }
        catch (KafkaException ex)
        {
            // The rows are in ClickHouse; re-reading them after a failed commit only makes duplicates, which collapse.
            LogCommitFailed(logger, route.Name, ex.Error.Reason);
        }
    }

    public override void Dispose()
    {
        producer?.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Table}: inserted {Rows} rows")]
    private static partial void LogInserted(ILogger logger, string table, int rows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Table}: insert of {Rows} rows failed; input paused, retrying in {Seconds} s: {Reason}")]
    private static partial void LogInsertFailed(ILogger logger, string table, int rows, double seconds, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Table}: ClickHouse accepted the batch again; input resumed")]
    private static partial void LogRecovered(ILogger logger, string table);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Route}: committing offsets failed: {Reason}")]
    private static partial void LogCommitFailed(ILogger logger, string route, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Route}: dead-lettered record at partition {Partition} offset {Offset}: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string route, int partition, long offset, string reason);
}
