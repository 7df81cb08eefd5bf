using System.Text.RegularExpressions;
using Streaming.Events;
using Streaming.Metrics.Bookings;
using Streaming.Metrics.ConcurrentUsers;
using Streaming.Metrics.Popularity;
using Streaming.Metrics.RawEvents;

namespace Streaming.Metrics.Tests;

/// <summary>What each table's record check refuses (those records go to the dead-letter topic) and what its rows hold.</summary>
public sealed partial class SinkTableTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset BeforeEpoch = new(1969, 12, 31, 23, 59, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset After2106 = DateTimeOffset.FromUnixTimeSeconds(uint.MaxValue).AddSeconds(1);

    private static readonly BookingsPerMinute Booking = new(T0, ResultDimensions.Product, "tour-1", "KRW", 2, 5, false, 3, 1, 90_000, 30_000);
    private static readonly ConcurrentUsersPerMinute Users = new(T0, ResultDimensions.All, "", 1, 4, true, 42);
    private static readonly ProductPopularityPerMinute Popularity = new(T0, "tour-1", 0, 1, false, 10, 2, 1, 40.5);
    private static readonly AppEvent Event = new("e-1", EventTypes.BookingConfirmed, "u1", "s1", "tour-1", T0, "ios", "KR", "Seoul", 45_000, "KRW", T0.AddSeconds(1));

    [Fact]
    public void Good_records_pass()
    {
        Assert.Null(BookingsTable.Sink.Problem(Booking));
        Assert.Null(ConcurrentUsersTable.Sink.Problem(Users));
        Assert.Null(PopularityTable.Sink.Problem(Popularity));
        Assert.Null(RawEventsTable.Sink.Problem(Event));
        // Zero is a count, and the first and last second ClickHouse's DateTime holds are times.
        Assert.Null(BookingsTable.Sink.Problem(Booking with { Bookings = 0, WindowStart = DateTimeOffset.UnixEpoch }));
        Assert.Null(RawEventsTable.Sink.Problem(Event with { ReceivedAt = DateTimeOffset.FromUnixTimeSeconds(uint.MaxValue) }));
    }

    [Fact]
    public void The_events_table_reads_a_record_from_a_newer_producer_and_refuses_one_that_is_not_an_event()
    {
        var json = System.Text.Encoding.UTF8.GetString(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(Event, EventJsonContext.Default.AppEvent));
        var newer = System.Text.Encoding.UTF8.GetBytes(json.Insert(1, "\"added_in_v2\":{\"x\":[1,2]},"));

        Assert.True(RawEventsTable.Sink.TryRead(newer, out var row, out _));
        Assert.Equal(Event, row);
        Assert.False(RawEventsTable.Sink.TryRead("{not json"u8.ToArray(), out _, out var reason));
        Assert.StartsWith("not a valid AppEvent", reason, StringComparison.Ordinal);
        var before1970 = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(Event with { OccurredAt = BeforeEpoch }, EventJsonContext.Default.AppEvent);
        Assert.False(RawEventsTable.Sink.TryRead(before1970, out _, out reason));
        Assert.Contains("occurred_at", reason, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> RefusedRecords() => new()
    {
        { BookingsTable.Sink.Problem(Booking with { Bookings = -1 })!, "bookings is negative (-1)" },
        { BookingsTable.Sink.Problem(Booking with { Cancellations = -2 })!, "cancellations is negative (-2)" },
        { BookingsTable.Sink.Problem(Booking with { Partition = -1 })!, "partition is negative (-1)" },
        { BookingsTable.Sink.Problem(Booking with { Revision = -5 })!, "revision is negative (-5)" },
        { BookingsTable.Sink.Problem(Booking with { Dimension = "" })!, "dimension is empty" },
        { BookingsTable.Sink.Problem(Booking with { WindowStart = BeforeEpoch })!, "window_start 1969-12-31T23:59:00.0000000+00:00 is outside ClickHouse's DateTime range" },
        { ConcurrentUsersTable.Sink.Problem(Users with { Users = -3 })!, "users is negative (-3)" },
        { ConcurrentUsersTable.Sink.Problem(Users with { Dimension = "" })!, "dimension is empty" },
        { ConcurrentUsersTable.Sink.Problem(Users with { WindowStart = After2106 })!, $"window_start {After2106:O} is outside ClickHouse's DateTime range" },
        { PopularityTable.Sink.Problem(Popularity with { Views = -1 })!, "views is negative (-1)" },
        { PopularityTable.Sink.Problem(Popularity with { Wishlists = -1 })!, "wishlists is negative (-1)" },
        { PopularityTable.Sink.Problem(Popularity with { Bookings = -1 })!, "bookings is negative (-1)" },
        { PopularityTable.Sink.Problem(Popularity with { Score = double.NaN })!, "score is not a finite number" },
        { PopularityTable.Sink.Problem(Popularity with { Score = double.PositiveInfinity })!, "score is not a finite number" },
        { RawEventsTable.Sink.Problem(Event with { OccurredAt = BeforeEpoch })!, "occurred_at 1969-12-31T23:59:00.0000000+00:00 is outside ClickHouse's DateTime range" },
        { RawEventsTable.Sink.Problem(Event with { ReceivedAt = After2106 })!, $"received_at {After2106:O} is outside ClickHouse's DateTime range" },
    };

    [Theory]
    [MemberData(nameof(RefusedRecords))]
    public void A_record_no_row_can_hold_gets_a_reason_naming_the_field(string reason, string expected) => Assert.Equal(expected, reason);

    [GeneratedRegex(@"^\s+(\w+) (\w+)(.*?),?$", RegexOptions.Multiline)]
    private static partial Regex Column();

    [Fact]
    public void Each_row_layout_writes_the_table_s_columns_in_order_except_computed_ones()
    {
        var statements = FleetSchema.Migrations.SelectMany(m => m.Statements).ToList();
        var visitor = new LayoutColumns();
        foreach (var table in MetricCatalog.SinkTables)
        {
            table.Accept(visitor);
            var create = statements.Single(s => s.Contains("CREATE TABLE IF NOT EXISTS " + table.Table + "\n", StringComparison.Ordinal));
            var columns = Column().Matches(create)
                .Where(m => !m.Groups[3].Value.Contains("MATERIALIZED", StringComparison.Ordinal) && !m.Groups[3].Value.Contains("DEFAULT", StringComparison.Ordinal))
                .Select(m => m.Groups[1].Value);
            // Columns added later by ALTER TABLE come last.
            var added = statements.Where(s => s.StartsWith($"ALTER TABLE {table.Table} ADD COLUMN ", StringComparison.Ordinal))
                .Select(s => s.Split(' ')[5]);
            Assert.Equal(columns.Concat(added), visitor.Columns);
        }
    }

    private sealed class LayoutColumns : ISinkTableVisitor
    {
        public IReadOnlyList<string> Columns { get; private set; } = [];

        public void Visit<T>(SinkTable<T> table)
            where T : class => Columns = table.Layout.Columns;
    }
}
