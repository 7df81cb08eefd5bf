using Confluent.Kafka;
using Streaming.ClickHouse;
using Streaming.Kafka;

namespace Streaming.ClickHouseSink.Batching;

/// <summary>What a flush attempt did, for the consume loop to act on (commit, pause, resume).</summary>
public abstract record FlushOutcome
{
    /// <summary>Nothing was due.</summary>
    public sealed record NotDue : FlushOutcome;

    /// <summary>
    /// ClickHouse acknowledged <paramref name="Rows"/> rows (maybe none): commit these next offsets once the rows it
    /// refused for good (<paramref name="Refused"/>, not counted in Rows) are dead-lettered.
    /// </summary>
    public sealed record Written(int Rows, IReadOnlyList<TopicPartitionOffset> Commit, bool Recovered, IReadOnlyList<RefusedRow>? Refused = null) : FlushOutcome;

    /// <summary>
    /// A row that cannot be inserted, alone, with the input record it came from: the reason for its letter and the
    /// reason's class (<see cref="DeadLetterReasons"/>: <c>refused</c> by ClickHouse for its data, <c>exception</c> or
    /// <c>repeated_failure</c> when writing it failed otherwise).
    /// </summary>
    public sealed record RefusedRow(object Row, TopicPartition Source, long Offset, string Reason, string ReasonClass);

    /// <summary>The insert failed; the batch is kept and tried again after <paramref name="RetryIn"/>.</summary>
    public sealed record Failed(int Rows, TimeSpan RetryIn, bool First, Exception Error) : FlushOutcome;

    public static readonly NotDue Nothing = new();
}

/// <summary>
/// The Kafka-free core of one sink loop: rows and the input offsets they came from go in; inserts come out by size
/// or age, and offsets are handed back for commit only after the insert succeeded. A failed insert keeps the batch
/// and schedules a retry with doubling backoff; the loop pauses its input meanwhile, so the batch cannot grow
/// without bound and nothing past it is committed. A batch ClickHouse refuses for its data (<see cref="IsRefusal"/>, e.g.
/// 400 "Cannot parse") is split in halves until the refused rows are alone; the others are inserted and the refused ones
/// handed back for the dead-letter topic, with ClickHouse's reason, and the sink goes on: every row of a batch may be
/// refused (e.g. a producer that writes a value the column cannot hold), which is not an outage. ClickHouse's answers
/// to what is not about the rows (an unknown table or column, authentication) are not 400 and are retried.
/// Any other failure of an insert is the batch's, never the record being read when it happened: one that comes from the
/// rows' data (<see cref="ConsumeFailures"/>: e.g. a date the row format cannot hold) splits the batch at once, as a
/// refusal does; one of a kind nobody classified retries the batch, and after <paramref name="poisonAfterFailures"/>
/// such failures in a row splits it, so a bad row is dead-lettered alone and stops nothing. Only a fatal one (the
/// process cannot go on) leaves <see cref="Flush"/>.
/// </summary>
/// <param name="poisonAfterFailures"><see cref="KafkaOptions.PoisonAfterFailures"/>.</param>
public sealed class TableBatcher<T>(Func<IReadOnlyList<T>, CancellationToken, Task> insert, SinkOptions options, TimeProvider clock, int poisonAfterFailures)
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(200);
    private readonly List<T> rows = new(Math.Min(options.BatchRows, 100_000));
    private readonly List<(TopicPartition Source, long Offset)> sources = new(Math.Min(options.BatchRows, 100_000));
    private readonly Dictionary<TopicPartition, long> nextOffsets = [];
    private DateTimeOffset? openedAt;
    private DateTimeOffset? lastInsertAt;
    private DateTimeOffset? retryAt;
    private TimeSpan retryDelay = FirstRetry;
    /// <summary>Failures in a row of this batch with an unclassified exception.</summary>
    private int unknownFailures;

    public int Count => rows.Count;

    /// <summary>True from a failed insert until the retry succeeds (the loop keeps its input paused).</summary>
    public bool IsWaitingToRetry => retryAt is not null;

    /// <summary>Adds a row; the record's offset becomes committable with the batch.</summary>
    public void Add(T row, TopicPartitionOffset source)
    {
        rows.Add(row);
        sources.Add((source.TopicPartition, source.Offset.Value));
        Track(source);
    }

    /// <summary>A record that produced no row (dead-lettered): its offset is committed with the batch.</summary>
    public void Skip(TopicPartitionOffset source) => Track(source);

    public bool IsFull => rows.Count >= options.BatchRows;

    /// <summary>Flushes if the batch is full or old enough, or a scheduled retry is due.</summary>
    public FlushOutcome FlushIfDue(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        if (retryAt is { } at)
        {
            return now >= at ? Flush(cancellationToken) : FlushOutcome.Nothing;
        }

        var due = IsFull || (openedAt is { } opened && now - opened >= options.BatchAge);
        return due ? Flush(cancellationToken) : FlushOutcome.Nothing;
    }

    /// <summary>
    /// The input has nothing more for now: inserts at once, rather than waiting for the batch's age, unless the table
    /// had an insert less than <see cref="SinkOptions.BatchAge"/> ago. Results that arrive in bursts (a window closing)
    /// are visible sooner, and a table still gets at most one insert per BatchAge.
    /// </summary>
    public FlushOutcome FlushIfQuiet(CancellationToken cancellationToken = default)
    {
        if (retryAt is not null || openedAt is null)
        {
            return FlushIfDue(cancellationToken);
        }

        var now = clock.GetUtcNow();
        return lastInsertAt is { } last && now - last < options.BatchAge ? FlushIfDue(cancellationToken) : Flush(cancellationToken);
    }

    /// <summary>Inserts whatever is pending now (also when a retry is not due yet).</summary>
    public FlushOutcome Flush(CancellationToken cancellationToken = default)
    {
        List<FlushOutcome.RefusedRow>? refused = null;
        if (rows.Count > 0)
        {
            try
            {
                try
                {
                    insert(rows, cancellationToken).GetAwaiter().GetResult();
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && KindOf(ex) switch
                {
                    InsertFailure.Rows => true,
                    InsertFailure.Unknown => unknownFailures + 1 >= poisonAfterFailures, // the last failure in a row it may have
                    _ => false,
                })
                {
                    refused = [];
                    Isolate(0, rows.Count, ex, refused, cancellationToken);
                }

                lastInsertAt = clock.GetUtcNow();
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && KindOf(ex) is InsertFailure.Retry or InsertFailure.Unknown)
            {
                if (KindOf(ex) is InsertFailure.Unknown)
                {
                    unknownFailures++;
                }

                var first = retryAt is null;
                var delay = retryDelay;
                retryAt = clock.GetUtcNow() + delay;
                retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, options.MaxRetryDelay.Ticks));
                return new FlushOutcome.Failed(rows.Count, delay, first, ex);
            }
        }

        var written = new FlushOutcome.Written(rows.Count - (refused?.Count ?? 0), [.. nextOffsets.Select(p => new TopicPartitionOffset(p.Key, new Offset(p.Value)))],
            retryAt is not null, refused);
        Reset();
        return written;
    }

    /// <summary>
    /// Rows [<paramref name="start"/>, +<paramref name="count"/>) failed with <paramref name="error"/> (refused, or a
    /// failure of their own): inserts each half on its own, down to single rows, which are the ones that fail. A
    /// transient failure meanwhile leaves the batch for a retry; rows inserted by then are inserted again, and the table
    /// keeps one row per identity.
    /// </summary>
    private void Isolate(int start, int count, Exception error, List<FlushOutcome.RefusedRow> refused, CancellationToken cancellationToken)
    {
        if (count == 1)
        {
            var (reason, reasonClass) = KindOf(error) is InsertFailure.Unknown
                ? ("inserting the row failed: " + ConsumeFailures.ReasonOf(error), DeadLetterReasons.RepeatedFailure)
                : IsRefusal(error)
                    ? ("ClickHouse refused the row: " + error.Message, DeadLetterReasons.Refused)
                    : ("inserting the row failed: " + ConsumeFailures.ReasonOf(error), DeadLetterReasons.Exception);
            refused.Add(new FlushOutcome.RefusedRow(rows[start]!, sources[start].Source, sources[start].Offset, reason, reasonClass));
            return;
        }

        var half = count / 2;
        foreach (var (from, n) in new[] { (start, half), (start + half, count - half) })
        {
            try
            {
                insert(rows.GetRange(from, n), cancellationToken).GetAwaiter().GetResult();
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && KindOf(ex) is InsertFailure.Rows or InsertFailure.Unknown)
            {
                Isolate(from, n, ex, refused, cancellationToken);
            }
        }
    }

    /// <summary>
    /// The partitions left this consumer before their rows could be written: their offsets are no longer committed
    /// (the next owner reads those records again), while their rows stay in the batch, because with incremental
    /// rebalancing the other partitions' rows must still be written, and a row written twice collapses.
    /// </summary>
    public void Release(IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            nextOffsets.Remove(partition);
        }
    }

    /// <summary>ClickHouse down, slow or refusing for now: worth trying again as it is.</summary>
    public static bool IsTransient(Exception ex) =>
        ex is HttpRequestException or TaskCanceledException or IOException || ex is ClickHouseException && !IsRefusal(ex);

    /// <summary>What a failed insert says (see the class).</summary>
    private static InsertFailure KindOf(Exception ex) =>
        IsRefusal(ex) ? InsertFailure.Rows
        : IsTransient(ex) ? InsertFailure.Retry
        : ConsumeFailures.Classify(ex) switch
        {
            FailureKind.Deterministic => InsertFailure.Rows,
            FailureKind.Transient => InsertFailure.Retry,
            FailureKind.Unknown => InsertFailure.Unknown,
            _ => InsertFailure.Fatal,
        };

    /// <summary>
    /// ClickHouse refused the rows for what they hold: 400, which it answers for data it cannot parse or that does not fit
    /// ("Cannot parse", incorrect data, a type mismatch); sending them again would be refused again. Its other 4xx
    /// (an unknown table or column, authentication) are not about the rows.
    /// </summary>
    public static bool IsRefusal(Exception ex) => ex is ClickHouseException { StatusCode: 400 };

    private void Track(TopicPartitionOffset source)
    {
        openedAt ??= clock.GetUtcNow();
        nextOffsets[source.TopicPartition] = source.Offset.Value + 1;
    }

    private void Reset()
    {
        rows.Clear();
        sources.Clear();
        nextOffsets.Clear();
        openedAt = null;
        retryAt = null;
        retryDelay = FirstRetry;
        unknownFailures = 0;
    }

    /// <summary>About some rows (isolate them), about ClickHouse for now (retry), not known yet (retry, then isolate), or the end of the loop.</summary>
    private enum InsertFailure
    {
        Rows,
        Retry,
        Unknown,
        Fatal,
    }
}
