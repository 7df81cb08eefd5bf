using Streaming.ClickHouse;
using Streaming.Kafka;

namespace Streaming.Metrics.Bookings;

/// <summary>
/// The bookings metric in ClickHouse: the table of per-partition partials the sink writes, and the views BI users read
/// (latest version of every partial, summed over source partitions; hour and day rollups).
/// </summary>
public static class BookingsTable
{
    public const string Table = "bookings_minute";
    public const string PerMinute = "bookings_per_minute";
    public const string PerHour = "bookings_per_hour";
    public const string PerDay = "bookings_per_day";

    /// <summary>Rows the ledger wrote for minutes it repaired (see <see cref="Repairs"/>).</summary>
    public const string RepairTable = "bookings_minute_repair";

    public static readonly RowBinaryLayout<BookingsPerMinute> Rows = new(
        ["window_start", "dimension", "dimension_value", "currency", "source_partition", "revision", "provisional",
            "bookings", "cancellations", "revenue_minor", "cancelled_revenue_minor", "incarnation"],
        static (w, r) =>
        {
            w.DateTime(r.WindowStart);
            w.String(r.Dimension);
            w.String(r.DimensionValue);
            w.String(r.Currency);
            w.UInt32(checked((uint)r.Partition));
            w.UInt64(checked((ulong)r.Revision));
            w.Bool(r.Provisional);
            w.UInt64(checked((ulong)r.Bookings));
            w.UInt64(checked((ulong)r.Cancellations));
            w.Int64(r.RevenueMinor);
            w.Int64(r.CancelledRevenueMinor);
            w.UInt64(checked((ulong)r.Incarnation));
        });

    public static readonly SinkTable<BookingsPerMinute> Sink = new(
        BookingsTopology.Metric, Topics.MetricsBookings, Table, BookingsJson.Default.BookingsPerMinute, Rows,
        r => RecordChecks.Result(r.WindowStart, r.Partition, r.Revision) ?? RecordChecks.Dimension(r.Dimension)
            ?? RecordChecks.NotNegative(("bookings", r.Bookings), ("cancellations", r.Cancellations), ("incarnation", r.Incarnation)));

    /// <summary>Migration 1's table (the walking skeleton); migration 2 drops it and reuses its name for a view.</summary>
    internal const string SkeletonTable = """
        CREATE TABLE IF NOT EXISTS bookings_per_minute
        (
            window_start DateTime,
            product_id String,
            currency String,
            revision UInt64,
            bookings UInt64,
            revenue_minor Int64,
            inserted_at DateTime DEFAULT now()
        )
        ENGINE = ReplacingMergeTree(revision)
        PARTITION BY toYYYYMMDD(window_start)
        ORDER BY (window_start, product_id, currency)
        """;

    internal static readonly IReadOnlyList<string> Schema =
    [
        $"""
        CREATE TABLE IF NOT EXISTS {Table}
        (
            window_start DateTime,
            dimension String,
            dimension_value String,
            currency String,
            source_partition UInt32,
            revision UInt64,
            provisional UInt8,
            {ResultColumns.Version},
            bookings UInt64,
            cancellations UInt64,
            revenue_minor Int64,
            cancelled_revenue_minor Int64,
            inserted_at DateTime DEFAULT now()
        )
        ENGINE = ReplacingMergeTree(version)
        PARTITION BY toYYYYMMDD(window_start)
        ORDER BY (window_start, dimension, dimension_value, currency, source_partition)
        """,
        // The latest version of each (window, dimensions, partition), then the sum over partitions.
        // provisional is 1 while any partition's latest partial is still provisional.
        $"""
        CREATE VIEW IF NOT EXISTS {PerMinute} AS
        SELECT minute, dimension, dimension_value, currency,
               sum(partition_bookings) AS bookings,
               sum(partition_cancellations) AS cancellations,
               sum(partition_revenue_minor) AS revenue_minor,
               sum(partition_cancelled_revenue_minor) AS cancelled_revenue_minor,
               max(partition_provisional) AS provisional
        FROM
        (
            SELECT window_start AS minute, dimension, dimension_value, currency, source_partition,
                   argMax(bookings, version) AS partition_bookings,
                   argMax(cancellations, version) AS partition_cancellations,
                   argMax(revenue_minor, version) AS partition_revenue_minor,
                   argMax(cancelled_revenue_minor, version) AS partition_cancelled_revenue_minor,
                   argMax(provisional, version) AS partition_provisional
            FROM {Table}
            GROUP BY window_start, dimension, dimension_value, currency, source_partition
        )
        GROUP BY minute, dimension, dimension_value, currency
        """,
        Rollup(PerHour, "hour", "toStartOfHour(minute)"),
        Rollup(PerDay, "day", "toDate(minute)"),
    ];

    private const string SeriesColumns = "dimension, dimension_value, currency";

    /// <summary>Migration 10: results carry their incarnation, part of the sorting key, and the view adds incarnations up.</summary>
    internal static IReadOnlyList<string> Incarnations =>
    [
        ResultColumns.AddIncarnation(Table, $"window_start, {SeriesColumns}, source_partition"),
        "DROP TABLE IF EXISTS " + PerMinute,
        $"CREATE VIEW IF NOT EXISTS {PerMinute} AS {PerMinuteQuery(repairs: false)}",
    ];

    /// <summary>
    /// The per-minute view's query: the latest version of each (window, series, partition, incarnation), then the sum
    /// over partitions and incarnations; provisional is 1 while any of them is still provisional. With
    /// <paramref name="repairs"/>, a minute the ledger repaired shows its latest repair instead of the stream's rows
    /// (see <see cref="Repairs"/>). <paramref name="where"/> narrows the minutes (the ledger reads
    /// a few at a time): a condition on <c>window_start</c>, applied to both sources.
    /// </summary>
    internal static string PerMinuteQuery(bool repairs, string? where = null) => $"""
        SELECT minute, {SeriesColumns},
               sum(partition_bookings) AS bookings,
               sum(partition_cancellations) AS cancellations,
               sum(partition_revenue_minor) AS revenue_minor,
               sum(partition_cancelled_revenue_minor) AS cancelled_revenue_minor,
               max(partition_provisional) AS provisional
        FROM
        (
            SELECT window_start AS minute, {SeriesColumns}, source_partition, incarnation,
                   argMax(bookings, version) AS partition_bookings,
                   argMax(cancellations, version) AS partition_cancellations,
                   argMax(revenue_minor, version) AS partition_revenue_minor,
                   argMax(cancelled_revenue_minor, version) AS partition_cancelled_revenue_minor,
                   argMax(provisional, version) AS partition_provisional
            FROM {Table}
            {Repairs.StreamCondition(repairs, BookingsTopology.Metric, where)}
            GROUP BY window_start, {SeriesColumns}, source_partition, incarnation
            {(repairs ? $"""
            UNION ALL
            SELECT window_start AS minute, {SeriesColumns}, toUInt32(0) AS source_partition, toUInt64(0) AS incarnation,
                   any(bookings) AS partition_bookings,
                   any(cancellations) AS partition_cancellations,
                   any(revenue_minor) AS partition_revenue_minor,
                   any(cancelled_revenue_minor) AS partition_cancelled_revenue_minor,
                   toUInt8(0) AS partition_provisional
            FROM {RepairTable}
            {Repairs.RepairCondition(BookingsTopology.Metric, where)}
            GROUP BY window_start, {SeriesColumns}
            """ : "")}
        )
        GROUP BY minute, {SeriesColumns}
        """;

    // Aggregates get private names inside and the public names outside: sum(bookings) AS bookings would shadow the
    // column on 18.16.
    private static string Rollup(string view, string period, string truncate) => $"""
        CREATE VIEW IF NOT EXISTS {view} AS
        SELECT {period}, dimension, dimension_value, currency,
               period_bookings AS bookings, period_cancellations AS cancellations,
               period_revenue_minor AS revenue_minor, period_cancelled_revenue_minor AS cancelled_revenue_minor,
               period_provisional AS provisional
        FROM
        (
            SELECT {truncate} AS {period}, dimension, dimension_value, currency,
                   sum(bookings) AS period_bookings, sum(cancellations) AS period_cancellations,
                   sum(revenue_minor) AS period_revenue_minor, sum(cancelled_revenue_minor) AS period_cancelled_revenue_minor,
                   max(provisional) AS period_provisional
            FROM {PerMinute}
            GROUP BY {period}, dimension, dimension_value, currency
        )
        """;
}
