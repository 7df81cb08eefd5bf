using Streaming.ClickHouse;

namespace Streaming.Metrics;

/// <summary>
/// How the ledger's repairs take precedence over the stream in the per-minute views. A repair of one metric's minute is
/// a generation of rows in the metric's repair table (the whole minute recomputed from <c>events_raw</c>), then a marker
/// row in <see cref="Table"/> naming that generation. The marker is written last: it is what makes a repair visible,
/// so a repair cut short leaves only unnamed rows that no view reads.
/// </summary>
/// <remarks>
/// <b>RepairPrecedence</b>: a minute with a marker shows the rows of its latest marked generation and none of the
/// stream's rows (whatever their revision or incarnation, and even with no repair rows: the recomputation found nothing);
/// a minute without one shows the stream's rows. Stream results that arrive for a repaired minute later (late events
/// within the correction horizon) are therefore not shown until the ledger re-checks the minute, which it does after
/// any late event for it (<c>events_raw</c> arrivals), writing a new generation.
/// </remarks>
public static class Repairs
{
    public const string Table = "metric_repairs";

    /// <summary>Marker rows; a re-written marker of the same generation is a duplicate.</summary>
    internal const string Create = $"""
        CREATE TABLE IF NOT EXISTS {Table}
        (
            metric String,
            window_start DateTime,
            generation UInt64,
            repaired_at DateTime DEFAULT now()
        )
        ENGINE = ReplacingMergeTree(generation)
        PARTITION BY toYYYYMM(window_start)
        ORDER BY (metric, window_start)
        """;

    /// <summary>The stream rows' WHERE clause: the minutes asked for, without repaired ones when repairs count.</summary>
    internal static string StreamCondition(bool repairs, string metric, string? where)
    {
        if (!repairs)
        {
            return where is null ? "" : "WHERE " + where;
        }

        var repaired = $"window_start NOT IN (SELECT window_start FROM {Table} WHERE metric = {Sql.String(metric)}{And(where)})";
        return "WHERE " + repaired + And(where);
    }

    /// <summary>The repair rows' WHERE clause: the latest marked generation of each repaired minute asked for.</summary>
    internal static string RepairCondition(string metric, string? where) =>
        $"WHERE (window_start, generation) IN (SELECT window_start, max(generation) FROM {Table} WHERE metric = {Sql.String(metric)}{And(where)} GROUP BY window_start){And(where)}";

    private static string And(string? where) => where is null ? "" : " AND " + where;
}
