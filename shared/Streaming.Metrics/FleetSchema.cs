using Streaming.ClickHouse;
using Streaming.Metrics.Bookings;
using Streaming.Metrics.ConcurrentUsers;
using Streaming.Metrics.Popularity;
using Streaming.Metrics.Pushes;
using Streaming.Metrics.RawEvents;

namespace Streaming.Metrics;

/// <summary>
/// The fleet's ClickHouse schema, gathered from the metric folders. SQL there runs on Debian's ClickHouse 18.16 and on
/// current releases (tests/Streaming.ClickHouse.Tests runs it on both, 26.7 through chDB): DateTime (no DateTime64),
/// String (no LowCardinality), and aliases that never shadow a column name (18.16 resolves such an alias inside
/// aggregates and then fails or miscounts).
/// </summary>
public static class FleetSchema
{
    /// <summary>Migration 2 made the three metrics and the raw events; a later metric brings its own version.</summary>
    private const int MetricsAndRawEvents = 2;

    /// <summary>
    /// Fleet-wide changes of the metric tables are numbered from 10, out of the way of metrics' own versions (3, 4, ...):
    /// 10 puts the incarnation into every results table and view.
    /// </summary>
    private const int Incarnations = 10;

    /// <summary>11: the gap ledger, raw event arrivals, repair tables, and the views with repair precedence.</summary>
    private const int GapLedger = 11;

    /// <summary>12: the push trigger's decisions and their per-rule-per-hour view.</summary>
    private const int PushDecisions = 12;

    public static readonly IReadOnlyList<string> Tables =
        [.. MetricCatalog.SinkTables.Select(t => t.Table)];

    public static readonly IReadOnlyList<string> Views = [.. MetricCatalog.Metrics.SelectMany(m => m.Views), .. PushDecisionsTable.Views];

    public static readonly IReadOnlyList<Migration> Migrations = BuildMigrations();

    private static List<Migration> BuildMigrations()
    {
        List<Migration> migrations =
        [
            new(1, "bookings per product per minute", [BookingsTable.SkeletonTable]),
            new(MetricsAndRawEvents, "metric partials per source partition, raw events, views for BI",
            [
                // Pre-release: the skeleton's table had no source partition and no provisional flag, and its name now
                // belongs to a view. Its rows are not migrated; the sink re-reads metrics.bookings from its new groups.
                // DROP is safe to repeat: if this migration is re-run, the view it drops is created again below.
                "DROP TABLE IF EXISTS " + BookingsTable.PerMinute,
                RawEventsTable.Create,
                .. MetricCatalog.Metrics.Where(m => m.SchemaVersion == MetricsAndRawEvents).SelectMany(m => m.SchemaStatements),
            ]),
        ];
        foreach (var later in MetricCatalog.Metrics.Where(m => m.SchemaVersion > MetricsAndRawEvents).GroupBy(m => m.SchemaVersion))
        {
            migrations.Add(new(later.Key, "metrics " + string.Join(", ", later.Select(m => m.Name)), [.. later.SelectMany(m => m.SchemaStatements)]));
        }

        migrations.Add(new(Incarnations, "results per incarnation (reset-proof revisions)",
            [.. ConcurrentUsersTable.Incarnations, .. BookingsTable.Incarnations, .. PopularityTable.Incarnations]));
        migrations.Add(new(GapLedger, "gap ledger and repairs", Ledger.LedgerTable.Schema));
        migrations.Add(new(PushDecisions, "push decisions", PushDecisionsTable.Schema));
        return migrations;
    }
}
