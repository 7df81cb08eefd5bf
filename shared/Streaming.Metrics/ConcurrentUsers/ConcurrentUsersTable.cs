using Streaming.ClickHouse;
using Streaming.Kafka;

namespace Streaming.Metrics.ConcurrentUsers;

/// <summary>
/// The concurrent-users metric in ClickHouse: the table of per-partition partials the sink writes, and the views BI
/// users read (latest version of every partial, summed over source partitions; hour and day rollups of peak and average).
/// </summary>
public static class ConcurrentUsersTable
{
    public const string Table = "concurrent_users_minute";
    public const string PerMinute = "concurrent_users_per_minute";
    public const string PerHour = "concurrent_users_per_hour";
    public const string PerDay = "concurrent_users_per_day";

    /// <summary>Rows the ledger wrote for minutes it repaired (see <see cref="Repairs"/>).</summary>
    public const string RepairTable = "concurrent_users_minute_repair";

    public static readonly RowBinaryLayout<ConcurrentUsersPerMinute> Rows = new(
        ["window_start", "dimension", "dimension_value", "source_partition", "revision", "provisional", "users", "incarnation"],
        static (w, r) =>
        {
            w.DateTime(r.WindowStart);
            w.String(r.Dimension);
            w.String(r.DimensionValue);
            w.UInt32(checked((uint)r.Partition));
            w.UInt64(checked((ulong)r.Revision));
            w.Bool(r.Provisional);
            w.UInt64(checked((ulong)r.Users));
            w.UInt64(checked((ulong)r.Incarnation));
        });

    public static readonly SinkTable<ConcurrentUsersPerMinute> Sink = new(
        ConcurrentUsersTopology.Metric, Topics.MetricsConcurrentUsers, Table, ConcurrentUsersJson.Default.ConcurrentUsersPerMinute, Rows,
        r => RecordChecks.Result(r.WindowStart, r.Partition, r.Revision) ?? RecordChecks.Dimension(r.Dimension)
            ?? RecordChecks.NotNegative(("users", r.Users), ("incarnation", r.Incarnation)));

    internal static readonly IReadOnlyList<string> Schema =
    [
        $"""
        CREATE TABLE IF NOT EXISTS {Table}
        (
            window_start DateTime,
            dimension String,
            dimension_value String,
            source_partition UInt32,
            revision UInt64,
            provisional UInt8,
            {ResultColumns.Version},
            users UInt64,
            inserted_at DateTime DEFAULT now()
        )
        ENGINE = ReplacingMergeTree(version)
        PARTITION BY toYYYYMMDD(window_start)
        ORDER BY (window_start, dimension, dimension_value, source_partition)
        """,
        // The latest version of each (window, dimensions, partition), then the sum over partitions.
        // provisional is 1 while any partition's latest partial is still provisional.
        $"""
        CREATE VIEW IF NOT EXISTS {PerMinute} AS
        SELECT minute, dimension, dimension_value,
               sum(partition_users) AS users,
               max(partition_provisional) AS provisional
        FROM
        (
            SELECT window_start AS minute, dimension, dimension_value, source_partition,
                   argMax(users, version) AS partition_users,
                   argMax(provisional, version) AS partition_provisional
            FROM {Table}
            GROUP BY window_start, dimension, dimension_value, source_partition
        )
        GROUP BY minute, dimension, dimension_value
        """,
        Rollup(PerHour, "hour", "toStartOfHour(minute)"),
        Rollup(PerDay, "day", "toDate(minute)"),
    ];

    /// <summary>Migration 10: results carry their incarnation, part of the sorting key, and the view adds incarnations up.</summary>
    internal static IReadOnlyList<string> Incarnations =>
    [
        ResultColumns.AddIncarnation(Table, "window_start, dimension, dimension_value, source_partition"),
        "DROP TABLE IF EXISTS " + PerMinute,
        $"CREATE VIEW IF NOT EXISTS {PerMinute} AS {PerMinuteQuery(repairs: false)}",
    ];

    /// <summary>
    /// The per-minute view's query: the latest version of each (window, series, partition, incarnation), then the sum
    /// over partitions and incarnations (incarnations hold different events, so their users are different records; a user
    /// active in both is counted twice until the ledger repairs the minute). With <paramref name="repairs"/>, a repaired
    /// minute shows its latest repair instead (see <see cref="Repairs"/>); <paramref name="where"/> narrows the minutes.
    /// </summary>
    internal static string PerMinuteQuery(bool repairs, string? where = null) => $"""
        SELECT minute, dimension, dimension_value,
               sum(partition_users) AS users,
               max(partition_provisional) AS provisional
        FROM
        (
            SELECT window_start AS minute, dimension, dimension_value, source_partition, incarnation,
                   argMax(users, version) AS partition_users,
                   argMax(provisional, version) AS partition_provisional
            FROM {Table}
            {Repairs.StreamCondition(repairs, ConcurrentUsersTopology.Metric, where)}
            GROUP BY window_start, dimension, dimension_value, source_partition, incarnation
            {(repairs ? $"""
            UNION ALL
            SELECT window_start AS minute, dimension, dimension_value, toUInt32(0) AS source_partition, toUInt64(0) AS incarnation,
                   any(users) AS partition_users,
                   toUInt8(0) AS partition_provisional
            FROM {RepairTable}
            {Repairs.RepairCondition(ConcurrentUsersTopology.Metric, where)}
            GROUP BY window_start, dimension, dimension_value
            """ : "")}
        )
        GROUP BY minute, dimension, dimension_value
        """;

    // peak_users is the busiest minute; avg_users averages the minutes present (the "all" series has explicit zeros,
    // a platform or country with no users in a minute has no row for it).
    private static string Rollup(string view, string period, string truncate) => $"""
        CREATE VIEW IF NOT EXISTS {view} AS
        SELECT {period}, dimension, dimension_value,
               period_peak_users AS peak_users, period_avg_users AS avg_users, period_minutes AS minutes,
               period_provisional AS provisional
        FROM
        (
            SELECT {truncate} AS {period}, dimension, dimension_value,
                   max(users) AS period_peak_users, avg(users) AS period_avg_users, count() AS period_minutes,
                   max(provisional) AS period_provisional
            FROM {PerMinute}
            GROUP BY {period}, dimension, dimension_value
        )
        """;
}
