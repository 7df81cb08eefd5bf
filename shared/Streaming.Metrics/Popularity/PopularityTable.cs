using Streaming.ClickHouse;
using Streaming.Kafka;

namespace Streaming.Metrics.Popularity;

/// <summary>
/// The popularity metric in ClickHouse: the table of per-partition rows the sink writes, and the views BI users read
/// (latest version of every row, summed over source partitions; hour and day rollups).
/// </summary>
public static class PopularityTable
{
    public const string Table = "popularity_minute";
    public const string PerMinute = "popularity_per_minute";
    public const string PerHour = "popularity_per_hour";
    public const string PerDay = "popularity_per_day";

    /// <summary>Rows the ledger wrote for minutes it repaired (see <see cref="Repairs"/>).</summary>
    public const string RepairTable = "popularity_minute_repair";

    public static readonly RowBinaryLayout<ProductPopularityPerMinute> Rows = new(
        ["window_start", "product_id", "source_partition", "revision", "provisional", "views", "wishlists", "bookings", "score", "incarnation"],
        static (w, r) =>
        {
            w.DateTime(r.WindowStart);
            w.String(r.ProductId);
            w.UInt32(checked((uint)r.Partition));
            w.UInt64(checked((ulong)r.Revision));
            w.Bool(r.Provisional);
            w.UInt64(checked((ulong)r.Views));
            w.UInt64(checked((ulong)r.Wishlists));
            w.UInt64(checked((ulong)r.Bookings));
            w.Float64(r.Score);
            w.UInt64(checked((ulong)r.Incarnation));
        });

    public static readonly SinkTable<ProductPopularityPerMinute> Sink = new(
        PopularityTopology.Metric, Topics.MetricsPopularity, Table, PopularityJson.Default.ProductPopularityPerMinute, Rows,
        r => RecordChecks.Result(r.WindowStart, r.Partition, r.Revision)
            ?? RecordChecks.NotNegative(("views", r.Views), ("wishlists", r.Wishlists), ("bookings", r.Bookings), ("incarnation", r.Incarnation))
            ?? (double.IsFinite(r.Score) ? null : "score is not a finite number"));

    internal static readonly IReadOnlyList<string> Schema =
    [
        $"""
        CREATE TABLE IF NOT EXISTS {Table}
        (
            window_start DateTime,
            product_id String,
            source_partition UInt32,
            revision UInt64,
            provisional UInt8,
            {ResultColumns.Version},
            views UInt64,
            wishlists UInt64,
            bookings UInt64,
            score Float64,
            inserted_at DateTime DEFAULT now()
        )
        ENGINE = ReplacingMergeTree(version)
        PARTITION BY toYYYYMMDD(window_start)
        ORDER BY (window_start, product_id, source_partition)
        """,
        // The latest version of each (window, product, partition), then the sum over partitions.
        $"""
        CREATE VIEW IF NOT EXISTS {PerMinute} AS
        SELECT minute, product_id,
               sum(partition_views) AS views,
               sum(partition_wishlists) AS wishlists,
               sum(partition_bookings) AS bookings,
               sum(partition_score) AS score,
               max(partition_provisional) AS provisional
        FROM
        (
            SELECT window_start AS minute, product_id, source_partition,
                   argMax(views, version) AS partition_views,
                   argMax(wishlists, version) AS partition_wishlists,
                   argMax(bookings, version) AS partition_bookings,
                   argMax(score, version) AS partition_score,
                   argMax(provisional, version) AS partition_provisional
            FROM {Table}
            GROUP BY window_start, product_id, source_partition
        )
        GROUP BY minute, product_id
        """,
        Rollup(PerHour, "hour", "toStartOfHour(minute)"),
        Rollup(PerDay, "day", "toDate(minute)"),
    ];

    /// <summary>Migration 10: results carry their incarnation, part of the sorting key, and the view adds incarnations up.</summary>
    internal static IReadOnlyList<string> Incarnations =>
    [
        ResultColumns.AddIncarnation(Table, "window_start, product_id, source_partition"),
        "DROP TABLE IF EXISTS " + PerMinute,
        $"CREATE VIEW IF NOT EXISTS {PerMinute} AS {PerMinuteQuery(repairs: false)}",
    ];

    /// <summary>
    /// The per-minute view's query: the latest version of each (window, product, partition, incarnation), then the sum
    /// over partitions and incarnations. With <paramref name="repairs"/>, a repaired minute shows its latest repair
    /// instead (see <see cref="Repairs"/>); <paramref name="where"/> narrows the minutes.
    /// </summary>
    internal static string PerMinuteQuery(bool repairs, string? where = null) => $"""
        SELECT minute, product_id,
               sum(partition_views) AS views,
               sum(partition_wishlists) AS wishlists,
               sum(partition_bookings) AS bookings,
               sum(partition_score) AS score,
               max(partition_provisional) AS provisional
        FROM
        (
            SELECT window_start AS minute, product_id, source_partition, incarnation,
                   argMax(views, version) AS partition_views,
                   argMax(wishlists, version) AS partition_wishlists,
                   argMax(bookings, version) AS partition_bookings,
                   argMax(score, version) AS partition_score,
                   argMax(provisional, version) AS partition_provisional
            FROM {Table}
            {Repairs.StreamCondition(repairs, PopularityTopology.Metric, where)}
            GROUP BY window_start, product_id, source_partition, incarnation
            {(repairs ? $"""
            UNION ALL
            SELECT window_start AS minute, product_id, toUInt32(0) AS source_partition, toUInt64(0) AS incarnation,
                   any(views) AS partition_views,
                   any(wishlists) AS partition_wishlists,
                   any(bookings) AS partition_bookings,
                   any(score) AS partition_score,
                   toUInt8(0) AS partition_provisional
            FROM {RepairTable}
            {Repairs.RepairCondition(PopularityTopology.Metric, where)}
            GROUP BY window_start, product_id
            """ : "")}
        )
        GROUP BY minute, product_id
        """;

    // Aggregates get private names inside and the public names outside (see BookingsTable).
    private static string Rollup(string view, string period, string truncate) => $"""
        CREATE VIEW IF NOT EXISTS {view} AS
        SELECT {period}, product_id,
               period_views AS views, period_wishlists AS wishlists, period_bookings AS bookings, period_score AS score,
               period_provisional AS provisional
        FROM
        (
            SELECT {truncate} AS {period}, product_id,
                   sum(views) AS period_views, sum(wishlists) AS period_wishlists, sum(bookings) AS period_bookings,
                   sum(score) AS period_score, max(provisional) AS period_provisional
            FROM {PerMinute}
            GROUP BY {period}, product_id
        )
        """;
}
