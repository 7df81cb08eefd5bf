using Streaming.ClickHouse;
using Streaming.Metrics.Bookings;
using Streaming.Metrics.ConcurrentUsers;
using Streaming.Metrics.Popularity;
using Streaming.Metrics.RawEvents;

namespace Streaming.Metrics.Ledger;

/// <summary>
/// The gap ledger in ClickHouse: one row per (minute, metric) with the latest check's outcome, the arrivals of raw
/// events per minute that tell the reconciler which minutes changed, and the repair tables the views prefer.
/// </summary>
public static class LedgerTable
{
    public const string Table = "ledger";

    /// <summary>Raw events per (event minute, arrival minute), kept by a materialized view on every insert into events_raw.</summary>
    public const string Arrivals = "events_arrivals";

    public const string Pending = "pending";
    public const string Matched = "matched";
    public const string Repaired = "repaired";

    /// <summary>At most this many differing keys are listed per row (<c>difference_count</c> has them all).</summary>
    public const int MaxListedDifferences = 100;

    /// <summary>
    /// The latest row of a (minute, metric) wins (version = its write time in Unix milliseconds). raw_events is how many
    /// raw event rows had arrived for the minute when it was checked: more arrivals since mean a re-check.
    /// </summary>
    internal const string Create = $"""
        CREATE TABLE IF NOT EXISTS {Table}
        (
            minute DateTime,
            metric String,
            status String,
            checked_at DateTime,
            stream_value Float64,
            recomputed_value Float64,
            raw_events UInt64,
            differences Array(String),
            difference_count UInt32,
            version UInt64
        )
        ENGINE = ReplacingMergeTree(version)
        PARTITION BY toYYYYMM(minute)
        ORDER BY (minute, metric)
        """;

    // now() at insert: when the row reached ClickHouse (a late event's arrival), whatever its event time.
    internal const string CreateArrivals = $"""
        CREATE MATERIALIZED VIEW IF NOT EXISTS {Arrivals}
        ENGINE = SummingMergeTree()
        PARTITION BY toYYYYMM(minute)
        ORDER BY (minute, arrived)
        AS SELECT toStartOfMinute(occurred_at) AS minute, toStartOfMinute(now()) AS arrived, count() AS events
        FROM {RawEventsTable.Table}
        GROUP BY minute, arrived
        """;

    /// <summary>Events stored before the ledger existed, as arrivals now (running it twice only triggers re-checks).</summary>
    internal const string BackfillArrivals = $"""
        INSERT INTO {Arrivals} (minute, arrived, events)
        SELECT toStartOfMinute(occurred_at) AS event_minute, toStartOfMinute(now()) AS arrival_minute, count() AS arrival_events
        FROM {RawEventsTable.Table}
        GROUP BY event_minute, arrival_minute
        """;

    /// <summary>Migration 11: ledger, arrivals, repair tables, and the per-minute views with repair precedence.</summary>
    internal static IReadOnlyList<string> Schema =>
    [
        Create,
        CreateArrivals,
        BackfillArrivals,
        Repairs.Create,
        .. LedgerMetrics.All.Select(m => m.CreateRepairTable),
        .. LedgerMetrics.All.SelectMany(m => (string[])["DROP TABLE IF EXISTS " + m.View, $"CREATE VIEW IF NOT EXISTS {m.View} AS {m.ViewQuery(null)}"]),
    ];

    /// <summary>
    /// Marks every minute of [<paramref name="from"/>, <paramref name="to"/>) pending for every metric (an operator's
    /// re-check): the next pass checks them again. Their earlier outcome stays in the row's history until merged away.
    /// </summary>
    public static string RecheckSql(DateTimeOffset from, DateTimeOffset to, DateTimeOffset now)
    {
        var first = LedgerReconciler.Minute(from.AddTicks(TimeSpan.TicksPerMinute - 1));
        var minutes = (long)Math.Ceiling((to - first).TotalMinutes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minutes, 100_000L, nameof(to));
        return $"""
            INSERT INTO {Table} (minute, metric, status, checked_at, stream_value, recomputed_value, raw_events, differences, difference_count, version)
            SELECT minute_to_check, metric_to_check, {Sql.String(Pending)}, toDateTime(0), 0, 0, 0, emptyArrayString(), 0, {Sql.Integer(now.ToUnixTimeMilliseconds())}
            FROM
            (
                SELECT {Sql.DateTime(first)} + number * 60 AS minute_to_check,
                       arrayJoin([{string.Join(", ", LedgerMetrics.All.Select(m => Sql.String(m.Name)))}]) AS metric_to_check
                FROM system.numbers
                LIMIT {Sql.Integer(Math.Max(0, minutes) * LedgerMetrics.All.Count)}
            )
            WHERE minute_to_check < {Sql.DateTime(to)}
            """;
    }

    internal static readonly string[] Views = [ConcurrentUsersTable.PerMinute, BookingsTable.PerMinute, PopularityTable.PerMinute];
}
