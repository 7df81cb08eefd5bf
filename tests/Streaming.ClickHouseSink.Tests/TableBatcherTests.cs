using Confluent.Kafka;
using Microsoft.Extensions.Time.Testing;
using Streaming.ClickHouse;
using Streaming.ClickHouseSink.Batching;
using Streaming.Kafka;

namespace Streaming.ClickHouseSink.Tests;

public sealed class TableBatcherTests
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero));
    private readonly FakeTable table = new();
    private readonly SinkOptions options = new() { BatchRows = 1000, BatchAge = TimeSpan.FromSeconds(1), MaxRetryDelay = TimeSpan.FromSeconds(1) };

    [Fact]
    public void A_batch_is_written_when_full_and_not_before()
    {
        var batcher = New();
        for (var i = 0; i < 999; i++)
        {
            batcher.Add(i, At(i % 3, i));
        }

        Assert.False(batcher.IsFull);
        Assert.IsType<FlushOutcome.NotDue>(batcher.FlushIfDue());
        batcher.Add(999, At(0, 999));
        var written = Assert.IsType<FlushOutcome.Written>(batcher.FlushIfDue());

        Assert.Equal(1000, written.Rows);
        Assert.Equal(Enumerable.Range(0, 1000), Assert.Single(table.Inserts));
        // The next offset of each partition: one past the last record read from it.
        Assert.Equal(
            [new(Partition(0), new Offset(1000)), new(Partition(1), new Offset(998)), new(Partition(2), new Offset(999))],
            written.Commit.OrderBy(c => c.Partition.Value));
        Assert.Equal(0, batcher.Count);
    }

    [Fact]
    public void A_small_batch_is_written_once_its_oldest_row_is_a_second_old()
    {
        var batcher = New();
        batcher.Add(1, At(0, 10));
        clock.Advance(TimeSpan.FromMilliseconds(600));
        batcher.Add(2, At(0, 11));
        clock.Advance(TimeSpan.FromMilliseconds(399));
        Assert.IsType<FlushOutcome.NotDue>(batcher.FlushIfDue());
        Assert.Empty(table.Inserts);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        var written = Assert.IsType<FlushOutcome.Written>(batcher.FlushIfDue());
        Assert.Equal([1, 2], Assert.Single(table.Inserts));
        Assert.Equal(new TopicPartitionOffset(Partition(0), new Offset(12)), Assert.Single(written.Commit));
        // Nothing pending: nothing due, however long we wait.
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.IsType<FlushOutcome.NotDue>(batcher.FlushIfDue());
    }

    [Fact]
    public void A_quiet_input_is_inserted_at_once_but_never_twice_within_the_batch_age()
    {
        var batcher = New();
        batcher.Add(1, At(0, 0));
        Assert.IsType<FlushOutcome.Written>(batcher.FlushIfQuiet()); // no insert yet: at once
        clock.Advance(TimeSpan.FromMilliseconds(300));
        batcher.Add(2, At(0, 1));
        Assert.IsType<FlushOutcome.NotDue>(batcher.FlushIfQuiet()); // 300 ms after the last insert: waits
        clock.Advance(TimeSpan.FromMilliseconds(700));
        Assert.IsType<FlushOutcome.Written>(batcher.FlushIfQuiet()); // a second after the last insert
        Assert.Equal([[1], [2]], table.Inserts);
        Assert.IsType<FlushOutcome.NotDue>(batcher.FlushIfQuiet()); // nothing pending
    }

    [Fact]
    public void While_ClickHouse_fails_nothing_is_committed_and_the_same_batch_is_retried_with_growing_delays()
    {
        var batcher = New();
        batcher.Add(1, At(0, 0));
        batcher.Add(2, At(1, 0));
        table.FailuresLeft = 4;
        clock.Advance(TimeSpan.FromSeconds(1));

        var delays = new List<TimeSpan>();
        var firsts = new List<bool>();
        while (table.FailuresLeft > 0)
        {
            var failed = Assert.IsType<FlushOutcome.Failed>(batcher.FlushIfDue());
            delays.Add(failed.RetryIn);
            firsts.Add(failed.First);
            Assert.True(batcher.IsWaitingToRetry);
            // More input may still arrive (already fetched before the pause); it joins the same batch.
            batcher.Add(3 + delays.Count, At(0, delays.Count));
            clock.Advance(failed.RetryIn - TimeSpan.FromMilliseconds(1));
            Assert.IsType<FlushOutcome.NotDue>(batcher.FlushIfDue());
            clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal([200, 400, 800, 1000], delays.Select(d => d.TotalMilliseconds));
        Assert.Equal([true, false, false, false], firsts);
        Assert.Empty(table.Inserts);

        var written = Assert.IsType<FlushOutcome.Written>(batcher.FlushIfDue());
        Assert.True(written.Recovered);
        Assert.Equal([1, 2, 4, 5, 6, 7], Assert.Single(table.Inserts));
        Assert.Equal(
            [new(Partition(0), new Offset(5)), new(Partition(1), new Offset(1))],
            written.Commit.OrderBy(c => c.Partition.Value));
        Assert.False(batcher.IsWaitingToRetry);

        // The backoff starts over after a success.
        batcher.Add(8, At(0, 5));
        table.FailuresLeft = 1;
        Assert.Equal(TimeSpan.FromMilliseconds(200), Assert.IsType<FlushOutcome.Failed>(batcher.Flush()).RetryIn);
    }

    [Fact]
    public void Dead_lettered_records_are_committed_with_the_batch_and_alone_when_there_is_no_row()
    {
        var batcher = New();
        batcher.Skip(At(2, 41));
        Assert.IsType<FlushOutcome.NotDue>(batcher.FlushIfDue());
        clock.Advance(TimeSpan.FromSeconds(1));

        var written = Assert.IsType<FlushOutcome.Written>(batcher.FlushIfDue());
        Assert.Equal(0, written.Rows);
        Assert.Empty(table.Inserts);
        Assert.Equal(new TopicPartitionOffset(Partition(2), new Offset(42)), Assert.Single(written.Commit));
    }

    [Fact]
    public void Released_partitions_are_no_longer_committed_while_their_rows_and_the_others_are_still_written()
    {
        var batcher = New();
        batcher.Add(1, At(0, 10));
        batcher.Add(2, At(1, 20));
        batcher.Skip(At(2, 30));
        table.FailuresLeft = 1;
        Assert.IsType<FlushOutcome.Failed>(batcher.Flush());

        batcher.Release([Partition(1), Partition(2)]);

        Assert.True(batcher.IsWaitingToRetry);
        clock.Advance(TimeSpan.FromSeconds(1));
        var written = Assert.IsType<FlushOutcome.Written>(batcher.FlushIfDue());
        Assert.Equal([1, 2], Assert.Single(table.Inserts));
        Assert.Equal(new TopicPartitionOffset(Partition(0), new Offset(11)), Assert.Single(written.Commit));
    }

    [Fact]
    public void A_row_whose_insert_fails_for_its_data_is_handed_back_alone_and_the_batch_goes_in()
    {
        var batcher = New();
        for (var i = 0; i < 10; i++)
        {
            batcher.Add(i, At(0, i));
        }

        // As the row format throws for a date it cannot hold: not ClickHouse's answer, and not the record read last.
        table.RowErrors[6] = new ArgumentOutOfRangeException("value", "DateTime holds 1970-01-01 to 2106-02-07 UTC.");
        var written = Assert.IsType<FlushOutcome.Written>(batcher.Flush());

        Assert.Equal(9, written.Rows);
        Assert.Equal([0, 1, 2, 3, 4, 5, 7, 8, 9], table.Inserts.SelectMany(r => r).Order());
        var refused = Assert.Single(written.Refused!);
        Assert.Equal((6, 6L, DeadLetterReasons.Exception), ((int)refused.Row, refused.Offset, refused.ReasonClass));
        Assert.StartsWith("inserting the row failed: ArgumentOutOfRangeException: DateTime holds", refused.Reason, StringComparison.Ordinal);
        Assert.Equal(new TopicPartitionOffset(Partition(0), new Offset(10)), Assert.Single(written.Commit));
    }

    [Fact]
    public void An_unclassified_insert_failure_retries_the_batch_then_isolates_the_row_that_keeps_failing()
    {
        var batcher = New();
        for (var i = 0; i < 4; i++)
        {
            batcher.Add(i, At(0, i));
        }

        table.RowErrors[2] = new UnclassifiedException();
        // Kafka:PoisonAfterFailures (3): twice the batch's failure, kept and retried as in an outage...
        Assert.IsType<FlushOutcome.Failed>(batcher.Flush());
        Assert.IsType<FlushOutcome.Failed>(batcher.Flush());
        Assert.Empty(table.Inserts);

        // ...the third time it is split, and only the row that fails alone is handed back.
        var written = Assert.IsType<FlushOutcome.Written>(batcher.Flush());
        Assert.Equal([0, 1, 3], table.Inserts.SelectMany(r => r).Order());
        var refused = Assert.Single(written.Refused!);
        Assert.Equal((2, DeadLetterReasons.RepeatedFailure), ((int)refused.Row, refused.ReasonClass));
        Assert.True(written.Recovered);

        // The count starts over with the next batch: one failure of it is retried.
        batcher.Add(2, At(0, 4));
        Assert.IsType<FlushOutcome.Failed>(batcher.Flush());
    }

    [Fact]
    public void An_unclassified_insert_failure_that_goes_away_hands_back_nothing()
    {
        var batcher = New();
        batcher.Add(1, At(0, 0));
        table.Error = new UnclassifiedException();
        table.FailuresLeft = 2;
        Assert.IsType<FlushOutcome.Failed>(batcher.Flush());
        Assert.IsType<FlushOutcome.Failed>(batcher.Flush());

        var written = Assert.IsType<FlushOutcome.Written>(batcher.Flush());
        Assert.Null(written.Refused);
        Assert.Equal([1], Assert.Single(table.Inserts));
    }

    [Fact]
    public void A_fatal_error_is_not_retried_and_blames_no_row()
    {
        var batcher = New();
        batcher.Add(1, At(0, 0));
        table.Error = new ObjectDisposedException("the HTTP client");
        table.FailuresLeft = 1;
        Assert.Throws<ObjectDisposedException>(() => batcher.Flush());
    }

    [Fact]
    public void Rows_ClickHouse_refuses_are_isolated_by_splitting_the_batch_and_the_others_are_inserted()
    {
        var batcher = New();
        for (var i = 0; i < 10; i++)
        {
            batcher.Add(i, At(i % 2, i));
        }

        table.Refused = [3, 7];
        var written = Assert.IsType<FlushOutcome.Written>(batcher.Flush());

        Assert.Equal(8, written.Rows);
        Assert.Equal([0, 1, 2, 4, 5, 6, 8, 9], table.Inserts.SelectMany(r => r).Order());
        Assert.Equal([(3, Partition(1), 3L), (7, Partition(1), 7L)], written.Refused!.Select(r => ((int)r.Row, r.Source, r.Offset)));
        Assert.All(written.Refused!, r => Assert.Contains("Cannot parse", r.Reason, StringComparison.Ordinal));
        Assert.All(written.Refused!, r => Assert.Equal(DeadLetterReasons.Refused, r.ReasonClass));
        Assert.Equal(
            [new(Partition(0), new Offset(9)), new(Partition(1), new Offset(10))],
            written.Commit.OrderBy(c => c.Partition.Value));
        Assert.False(batcher.IsWaitingToRetry);
    }

    [Fact]
    public void A_batch_whose_every_row_is_refused_hands_every_row_back_with_its_reason_and_goes_on()
    {
        var batcher = New();
        for (var i = 0; i < 5; i++)
        {
            batcher.Add(i, At(0, i));
        }

        table.Refused = [0, 1, 2, 3, 4, 5];
        var written = Assert.IsType<FlushOutcome.Written>(batcher.Flush());

        Assert.Equal(0, written.Rows);
        Assert.Empty(table.Inserts);
        Assert.Equal([0, 1, 2, 3, 4], written.Refused!.Select(r => (int)r.Row));
        Assert.All(written.Refused!, r => Assert.Contains("Cannot parse", r.Reason, StringComparison.Ordinal));
        Assert.Equal(new TopicPartitionOffset(Partition(0), new Offset(5)), Assert.Single(written.Commit));
        Assert.False(batcher.IsWaitingToRetry);

        // A lone refused row alike; the next batch goes in.
        batcher.Add(5, At(0, 5));
        var alone = Assert.IsType<FlushOutcome.Written>(batcher.Flush());
        Assert.Equal((0, 5), (alone.Rows, (int)Assert.Single(alone.Refused!).Row));
        batcher.Add(6, At(0, 6));
        Assert.Equal(1, Assert.IsType<FlushOutcome.Written>(batcher.Flush()).Rows);
        Assert.Equal([6], Assert.Single(table.Inserts));
    }

    private TableBatcher<int> New() => new(table.InsertAsync, options, clock, poisonAfterFailures: 3);

    private static TopicPartition Partition(int partition) => new("metrics.bookings", new Partition(partition));

    private static TopicPartitionOffset At(int partition, long offset) => new(Partition(partition), new Offset(offset));

    private sealed class FakeTable
    {
        public List<int[]> Inserts { get; } = [];

        public int FailuresLeft { get; set; }

        public Exception Error { get; set; } = new ClickHouseException(503, "Code: 242, e.displayText() = DB::Exception: Table is in readonly mode", "INSERT");

        /// <summary>Rows ClickHouse cannot parse: an insert with any of them is refused with a 400.</summary>
        public HashSet<int> Refused { get; set; } = [];

        /// <summary>Rows whose insert throws before ClickHouse sees it (as the row format does for a value it cannot hold).</summary>
        public Dictionary<int, Exception> RowErrors { get; } = [];

        public Task InsertAsync(IReadOnlyList<int> rows, CancellationToken cancellationToken)
        {
            if (FailuresLeft > 0)
            {
                FailuresLeft--;
                return Task.FromException(Error);
            }

            if (rows.FirstOrDefault(RowErrors.ContainsKey, -1) is >= 0 and var bad)
            {
                return Task.FromException(RowErrors[bad]);
            }

            if (rows.Any(Refused.Contains))
            {
                return Task.FromException(new ClickHouseException(400, "Code: 27, e.displayText() = DB::Exception: Cannot parse input", "INSERT"));
            }

            Inserts.Add([.. rows]);
            return Task.CompletedTask;
        }
    }

    private sealed class UnclassifiedException : Exception;
}
