using System.Text.RegularExpressions;
using Streaming.Metrics.Bookings;
using Streaming.Metrics.Pushes;
using Streaming.Metrics.RawEvents;

namespace Streaming.Metrics.Tests;

/// <summary>The migrations as text: what creates what, in which order. ClickHouse.Tests runs them on a real server.</summary>
public sealed partial class FleetSchemaTests
{
    private static IReadOnlyList<string> Migration2 => FleetSchema.Migrations.Single(m => m.Version == 2).Statements;

    [GeneratedRegex(@"^\s*CREATE (TABLE|VIEW) IF NOT EXISTS (\w+)")]
    private static partial Regex Creates();

    [GeneratedRegex(@"\bFROM\s+(\w+)")]
    private static partial Regex ReadsFrom();

    private static string? Created(string statement) => Creates().Match(statement) is { Success: true } m ? m.Groups[2].Value : null;

    [Fact]
    public void The_migrations_are_the_skeleton_the_metrics_and_then_fleet_wide_changes()
    {
        Assert.Equal([1, 2, 10, 11, 12], FleetSchema.Migrations.Select(m => m.Version));
        Assert.Equal([BookingsTable.PerMinute], FleetSchema.Migrations[0].Statements.Select(Created));
        // The skeleton's table gives its name to a view, so migration 2 drops it first.
        Assert.Equal("DROP TABLE IF EXISTS " + BookingsTable.PerMinute, Migration2[0]);
    }

    [Fact]
    public void Migration_2_creates_the_raw_events_and_every_metric_s_statements_in_order()
    {
        Assert.Equal(RawEventsTable.Table, Created(Migration2[1]));
        Assert.Equal([.. MetricCatalog.Metrics.SelectMany(m => m.SchemaStatements)], Migration2.Skip(2));
        Assert.All(MetricCatalog.Metrics, m => Assert.Equal(2, m.SchemaVersion));
    }

    [Fact]
    public void Every_statement_can_run_twice()
    {
        Assert.All(FleetSchema.Migrations.SelectMany(m => m.Statements), s =>
            // ALTER TABLE ... ADD COLUMN: the migrator counts it as done when the column exists.
            // The ledger's backfill of arrivals only triggers re-checks when repeated.
            Assert.Matches(@"^\s*(CREATE (TABLE|VIEW|MATERIALIZED VIEW) IF NOT EXISTS|DROP TABLE IF EXISTS|ALTER TABLE \w+ ADD COLUMN|INSERT INTO events_arrivals) ", s));
    }

    [Fact]
    public void Every_metric_creates_its_table_first_and_then_each_of_its_views()
    {
        Assert.All(MetricCatalog.Metrics, m =>
        {
            var created = m.SchemaStatements.Select(Created).ToList();
            Assert.Equal([m.SinkTable.Table, .. m.Views], created);
        });
        Assert.Equal([.. MetricCatalog.Metrics.SelectMany(m => m.Views), .. PushDecisionsTable.Views], FleetSchema.Views);
        Assert.Equal(MetricCatalog.SinkTables.Select(t => t.Table), FleetSchema.Tables);
    }

    [Fact]
    public void A_view_reads_only_what_an_earlier_statement_created()
    {
        var created = new HashSet<string>(StringComparer.Ordinal);
        var reads = 0;
        foreach (var statement in Migration2.Skip(1))
        {
            foreach (var source in ReadsFrom().Matches(statement).Select(m => m.Groups[1].Value))
            {
                Assert.True(created.Contains(source), $"{Created(statement)} reads {source} before it exists");
                reads++;
            }

            created.Add(Created(statement)!);
        }

        // Each metric view reads one table or view (the per-minute views through a subquery).
        Assert.Equal(FleetSchema.Views.Count - PushDecisionsTable.Views.Count, reads);
    }

    [Fact]
    public void Migration_12_creates_the_push_decisions_and_then_their_view_over_them()
    {
        var statements = FleetSchema.Migrations.Single(m => m.Version == 12).Statements;

        Assert.Equal([PushDecisionsTable.Table, PushDecisionsTable.PerRuleHour], statements.Select(Created));
        Assert.Equal([PushDecisionsTable.Table], ReadsFrom().Matches(statements[1]).Select(m => m.Groups[1].Value));
    }

    [Fact]
    public void Migration_10_puts_the_incarnation_into_every_results_table_s_sorting_key_and_recreates_its_view()
    {
        var statements = FleetSchema.Migrations.Single(m => m.Version == 10).Statements;
        Assert.All(MetricCatalog.Metrics, m =>
        {
            Assert.Contains(statements, s => s.StartsWith($"ALTER TABLE {m.SinkTable.Table} ADD COLUMN incarnation UInt64, MODIFY ORDER BY (", StringComparison.Ordinal)
                && s.EndsWith(", source_partition, incarnation)", StringComparison.Ordinal));
            var perMinute = m.Views[0];
            var drop = statements.ToList().IndexOf("DROP TABLE IF EXISTS " + perMinute);
            Assert.True(drop >= 0 && Created(statements[drop + 1]) == perMinute);
            Assert.Contains("source_partition, incarnation", statements[drop + 1], StringComparison.Ordinal);
        });
    }

    [Fact]
    public void The_sql_runs_on_clickhouse_18_16_too() =>
        // 18.16 has neither: DateTime and String instead (see FleetSchema).
        Assert.All(FleetSchema.Migrations.SelectMany(m => m.Statements), s =>
        {
            Assert.DoesNotContain("DateTime64", s, StringComparison.Ordinal);
            Assert.DoesNotContain("LowCardinality", s, StringComparison.Ordinal);
        });
}
