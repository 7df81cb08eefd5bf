using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.ClickHouseSink.Schema;
using Streaming.ClickHouseSink.Telemetry;
using Streaming.Kafka;
using Streaming.Kafka.Telemetry;
using Streaming.Metrics;

namespace Streaming.ClickHouseSink.Batching;

/// <summary>
/// One route's loop: its topic, its own consumer group, one batch for its table (see <see cref="TableBatcher{T}"/>).
/// Offsets are committed only after ClickHouse acknowledged the rows (and the dead letters among them were
/// delivered). While ClickHouse fails, input stays paused and the same batch is retried: lag grows, nothing is lost.
/// A row ClickHouse refuses for its data, or whose insert fails otherwise for good, is isolated by splitting the batch
/// (<see cref="TableBatcher{T}"/>) and dead-lettered (<c>refused</c>, <c>exception</c> or <c>repeated_failure</c>): an
/// insert's failure is never blamed on the record being read when it happened. A record whose reading throws is
/// dead-lettered by the consume loop.
/// Re-deliveries are harmless: every row has an identity and the table keeps one row per identity.
/// Each batch is one "process {topic}" span, from its first record to its acknowledged insert, linked to the producer
/// contexts of its records (the aggregator batches that sent them); the insert's HTTP call is its child.
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
    private readonly string group = options.Value.GroupPrefix + "." + route.Name;
    private readonly KeyValuePair<string, object?> tableTag = new(SinkTelemetry.TableTag, route.Table);
    private readonly SinkTelemetry.TableCounters counters = SinkTelemetry.For(route.Table);
    private TableBatcher<T>? batcher;
    private ConsumerBatchSpan? span;
    private StageCounters.Counter? rowsOut;
    private RecordProducer? producer;
    private DeadLetterWriter? deadLetters;
    private bool deadLettersPending;

    protected override IReadOnlyCollection<string> InputTopics => [kafka.Options.Name(route.Topic)];

    protected override string ConsumerGroup => group;

    protected override DeadLetterWriter? DeadLetters => deadLetters;

    private TableBatcher<T> Batcher => batcher ?? throw new InvalidOperationException("The consumer was not created.");

    protected override IConsumer<string, byte[]> CreateConsumer()
    {
        schema.Migrated.Wait();
        var clientId = "clickhouse-sink-" + route.Name;
        batcher = new TableBatcher<T>(InsertAsync, options.Value, clock, kafka.Options.PoisonAfterFailures);
        span = new ConsumerBatchSpan(SinkTelemetry.Source, kafka.Options.Name(route.Topic), group);
        // Named by the group, so that its counters are the stage's: dead letters out, rows out to the table.
        producer = DisposeWithService(kafka.CreateProducer(group));
        rowsOut = producer.Counters!.Output(route.Table);
        deadLetters = new DeadLetterWriter(producer, kafka.Options, group, clock, logger: logger);
        return kafka.CreateConsumerBuilder(group, clientId)
            // Incremental rebalances: only the partitions that move are revoked; the others keep their batch rows and
            // their pause. Best effort: what cannot be written now is left uncommitted for the partitions' next owner.
            .SetPartitionsRevokedHandler((consumer, revoked) =>
            {
                if (Apply(consumer, Batcher.Flush()) is not FlushOutcome.Written)
                {
                    Batcher.Release(revoked.Select(p => p.TopicPartition));
                    span.Stop();
                }
            })
            // Lost (this member was fenced): another member may own them already, so nothing of theirs is committed.
            .SetPartitionsLostHandler((_, lost) => Batcher.Release(lost.Select(p => p.TopicPartition)))
            .Build();
    }

    protected override void Handle(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record)
    {
        span!.Add(record.Message.Headers);
        if (!route.TryRead(record.Message.Value, out var result, out var reason))
        {
            deadLetters!.Write(record, reason);
            deadLettersPending = true;
            Batcher.Skip(record.TopicPartitionOffset);
            return;
        }

        Batcher.Add(result, record.TopicPartitionOffset);
        if (Batcher.IsWaitingToRetry)
        {
            // A partition assigned while input was paused: pause it too until the retry succeeds.
            consumer.Pause([record.TopicPartition]);
        }
        else if (Batcher.IsFull)
        {
            Apply(consumer, Batcher.Flush());
        }
    }

    /// <summary>A record the loop dead-lettered is committed with the batch, once its letter is delivered.</summary>
    protected override void Skipped(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record)
    {
        deadLettersPending = true;
        Batcher.Skip(record.TopicPartitionOffset);
    }

    protected override void Idle(IConsumer<string, byte[]> consumer) => Apply(consumer, Batcher.FlushIfQuiet());

    protected override void Tick(IConsumer<string, byte[]> consumer) => Apply(consumer, Batcher.FlushIfDue());

    protected override void Stopping(IConsumer<string, byte[]> consumer) => Apply(consumer, Batcher.Flush());

    private FlushOutcome Apply(IConsumer<string, byte[]> consumer, FlushOutcome outcome)
    {
        switch (outcome)
        {
            case FlushOutcome.Written written:
                if (written.Recovered)
                {
                    ResumeInput(consumer);
                    counters.Retried();
                    LogRecovered(logger, route.Table);
                }

                foreach (var refused in written.Refused ?? [])
                {
                    DeadLetterRefused(refused);
                }

                if (written.Rows > 0)
                {
                    counters.Written(written.Rows);
                    rowsOut!.Add(written.Rows);
                    LogInserted(logger, route.Table, written.Rows);
                }

                StoreOffsets(consumer, written.Commit);
                span!.Stop();
                break;
            case FlushOutcome.Failed failed:
                if (failed.First)
                {
                    // Pause all input until the retry succeeds: the batch stays as it is, lag grows instead.
                    PauseInput(consumer);
                }
                else
                {
                    counters.Retried();
                }

                counters.Failed();
                span!.Recording?.AddEvent(new ActivityEvent("insert failed", tags: new ActivityTagsCollection { ["exception.message"] = failed.Error.Message }));

                LogInsertFailed(logger, route.Table, failed.Rows, failed.RetryIn.TotalSeconds, failed.Error.Message);
                break;
        }

        return outcome;
    }

    /// <summary>One insert, timed; under the batch's span (opened here if no record opened it), so the HTTP call is its child.</summary>
    private async Task InsertAsync(IReadOnlyList<T> rows, CancellationToken cancellationToken)
    {
        if (span!.Start() is { IsAllDataRequested: true } activity)
        {
            activity.SetTag("db.system.name", "clickhouse");
            activity.SetTag("db.collection.name", route.Table);
            activity.SetTag("db.operation.name", "INSERT");
            activity.SetTag("db.operation.batch.size", rows.Count);
        }

        var started = Stopwatch.GetTimestamp();
        var outcome = "error";
        try
        {
            await clickHouse.InsertRowBinaryAsync(route.Table, rows, route.Layout, cancellationToken);
            outcome = "ok";
        }
        finally
        {
            SinkTelemetry.InsertDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tableTag, new(SinkTelemetry.OutcomeTag, outcome));
        }
    }

    /// <summary>
    /// The letter of a row that could not be inserted, as the row's JSON. A letter that cannot be written ends the loop: the
    /// batch is gone, so the stage resumes from its last commit (its rows collapse), rather than commit past the row.
    /// </summary>
    private void DeadLetterRefused(FlushOutcome.RefusedRow refused)
    {
        try
        {
            deadLetters!.Write(refused.Source.Topic, refused.Source.Partition.Value, refused.Offset, null,
                JsonSerializer.SerializeToUtf8Bytes((T)refused.Row, route.Json), refused.Reason, refused.ReasonClass);
            deadLettersPending = true;
        }
        catch (DeadLetterNotWrittenException ex)
        {
            throw new UndeliveredOutputException(ex.Message);
        }
    }

    private void StoreOffsets(IConsumer<string, byte[]> consumer, IReadOnlyList<TopicPartitionOffset> offsets)
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

        // Stored, then committed by the client. The rows are in ClickHouse: a partition whose offset cannot be stored
        // (revoked meanwhile) is re-read by its next owner, and the duplicates collapse.
        consumer.StoreEach(offsets, (offset, reason) => LogStoreFailed(logger, route.Name, offset.Partition.Value, reason));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Table}: inserted {Rows} rows")]
    private static partial void LogInserted(ILogger logger, string table, int rows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Table}: insert of {Rows} rows failed; input paused, retrying in {Seconds} s: {Reason}")]
    private static partial void LogInsertFailed(ILogger logger, string table, int rows, double seconds, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Table}: ClickHouse accepted the batch again; input resumed")]
    private static partial void LogRecovered(ILogger logger, string table);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Route}: storing the offset of partition {Partition} failed: {Reason}")]
    private static partial void LogStoreFailed(ILogger logger, string route, int partition, string reason);
}
