using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Serialization;
using Streaming.ClickHouse;

namespace Streaming.Metrics.Ledger;

/// <summary>
/// One pass of the gap ledger: finds the closed minutes that are due (never checked, re-check asked for, or raw events
/// arrived since the last check), compares each metric's view with a recomputation from <c>events_raw</c>, writes a
/// repair for every minute that differs, and records the outcome in the ledger. Its whole state is in ClickHouse and
/// every step can be cut short: a minute is due until its ledger row is written, and a repair is invisible until its
/// marker is, so a pass killed anywhere leaves minutes that the next pass checks (and repairs) again.
/// </summary>
public sealed class LedgerReconciler(ClickHouseClient clickHouse, LedgerOptions options, MetricOptions weights, TimeProvider clock)
{
    private long lastGeneration;

    public async Task<LedgerPass> RunPassAsync(CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var now = clock.GetUtcNow();
        var passVersion = now.ToUnixTimeMilliseconds();
        var lastDue = Minute(now - options.CheckDelay - TimeSpan.FromMinutes(1));
        var lookFrom = Minute(now - options.LookBack);
        if (lastDue < lookFrom)
        {
            return new LedgerPass(0, 0, 0, TimeSpan.Zero);
        }

        var arrivals = (await clickHouse.QueryAsync(
                $"SELECT toUInt32(minute) AS minute_unix, sum(events) AS arrived_events FROM {LedgerTable.Arrivals} " +
                $"WHERE minute >= {Sql.DateTime(lookFrom)} AND minute <= {Sql.DateTime(lastDue)} GROUP BY minute",
                LedgerJson.Default.ArrivalRow, cancellationToken))
            .ToDictionary(a => a.MinuteUnix, a => a.ArrivedEvents);
        var ledger = (await clickHouse.QueryAsync(
                $"SELECT toUInt32(minute) AS minute_unix, metric, argMax(status, version) AS last_status, argMax(raw_events, version) AS last_raw_events " +
                $"FROM {LedgerTable.Table} WHERE minute >= {Sql.DateTime(lookFrom)} AND minute <= {Sql.DateTime(lastDue)} GROUP BY minute, metric",
                LedgerJson.Default.LedgerStateRow, cancellationToken))
            .ToDictionary(r => (r.MinuteUnix, r.Metric));

        var due = DueMinutes(arrivals, ledger, lookFrom, lastDue);
        var repaired = 0;
        var differences = 0;
        foreach (var chunk in due.Chunk(options.MinutesPerQuery))
        {
            var minutes = chunk.Order().Select(m => DateTimeOffset.FromUnixTimeSeconds(m)).ToList();
            var rows = new List<string>();
            foreach (var metric in LedgerMetrics.All)
            {
                var outcome = await CheckAsync(metric, minutes, passVersion, cancellationToken);
                foreach (var minute in minutes)
                {
                    var unix = minute.ToUnixTimeSeconds();
                    var check = outcome[unix];
                    repaired += check.RepairedNow ? 1 : 0;
                    differences += check.Differences.Count;
                    rows.Add(LedgerRow(minute, metric.Name, check, now, arrivals.GetValueOrDefault(unix), passVersion));
                }
            }

            // The ledger rows last: until they are written, these minutes stay due.
            await clickHouse.ExecuteAsync(
                $"INSERT INTO {LedgerTable.Table} (minute, metric, status, checked_at, stream_value, recomputed_value, raw_events, differences, difference_count, version) VALUES {string.Join(", ", rows)}",
                cancellationToken);
        }

        return new LedgerPass(due.Count, repaired, differences, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Re-checks, pending first, oldest first; then minutes never checked, newest first (fresh ones matter most).</summary>
    private List<long> DueMinutes(Dictionary<long, long> arrivals, Dictionary<(long, string), LedgerStateRow> ledger, DateTimeOffset lookFrom, DateTimeOffset lastDue)
    {
        var known = ledger.Keys.Select(k => k.Item1).Concat(arrivals.Keys).ToList();
        if (known.Count == 0)
        {
            return [];
        }

        var first = Math.Max(known.Min(), lookFrom.ToUnixTimeSeconds());
        var recheck = new List<long>();
        var fresh = new List<long>();
        for (var minute = first; minute <= lastDue.ToUnixTimeSeconds(); minute += 60)
        {
            var states = LedgerMetrics.All.Select(m => ledger.GetValueOrDefault((minute, m.Name))).ToList();
            if (states.Any(s => s is null))
            {
                fresh.Add(minute);
            }
            else if (states.Any(s => s!.LastStatus == LedgerTable.Pending || s.LastRawEvents != arrivals.GetValueOrDefault(minute)))
            {
                recheck.Add(minute);
            }
        }

        fresh.Reverse();
        return [.. recheck.Concat(fresh).Take(options.MaxMinutesPerPass)];
    }

    private async Task<Dictionary<long, MinuteCheck>> CheckAsync(LedgerMetric metric, List<DateTimeOffset> minutes, long passVersion, CancellationToken cancellationToken)
    {
        var shown = await clickHouse.QueryAsync(metric.ViewRowsSql(minutes), LedgerJson.Default.SeriesRow, cancellationToken);
        var recomputed = await clickHouse.QueryAsync(metric.RecomputedRowsSql(minutes, weights), LedgerJson.Default.SeriesRow, cancellationToken);
        var repairedBefore = (await clickHouse.QueryAsync(metric.RepairedMinutesSql(minutes), LedgerJson.Default.MinuteRow, cancellationToken))
            .Select(r => r.MinuteUnix).ToHashSet();
        var shownByMinute = shown.ToLookup(r => r.MinuteUnix);
        var recomputedByMinute = recomputed.ToLookup(r => r.MinuteUnix);
        var checks = new Dictionary<long, MinuteCheck>();
        foreach (var minute in minutes.Select(m => m.ToUnixTimeSeconds()))
        {
            var differing = Differences(shownByMinute[minute], recomputedByMinute[minute]);
            checks[minute] = new MinuteCheck(
                Headline(metric, shownByMinute[minute]), Headline(metric, recomputedByMinute[minute]), differing, differing.Count > 0, repairedBefore.Contains(minute));
        }

        var toRepair = checks.Where(c => c.Value.RepairedNow).Select(c => DateTimeOffset.FromUnixTimeSeconds(c.Key)).ToList();
        if (toRepair.Count > 0)
        {
            // A generation above every earlier one of this process; across restarts the clock moves on.
            var generation = lastGeneration = Math.Max(passVersion, lastGeneration + 1);
            await clickHouse.ExecuteAsync(metric.RepairRowsSql(toRepair, generation, weights), cancellationToken);
            await clickHouse.ExecuteAsync(metric.MarkRepairedSql(toRepair, generation), cancellationToken);
        }

        return checks;
    }

    /// <summary>Series whose values differ; a missing series equals one of zeros (zero-filled series have explicit zeros).</summary>
    private static List<string> Differences(IEnumerable<SeriesRow> shown, IEnumerable<SeriesRow> recomputed)
    {
        var left = shown.ToDictionary(r => r.Series);
        var right = recomputed.ToDictionary(r => r.Series);
        return [.. left.Keys.Union(right.Keys).Where(k => !Same(left.GetValueOrDefault(k), right.GetValueOrDefault(k))).Order(StringComparer.Ordinal)];
    }

    private static bool Same(SeriesRow? a, SeriesRow? b)
    {
        double[] x = a is null ? [0, 0, 0, 0] : [a.V1, a.V2, a.V3, a.V4];
        double[] y = b is null ? [0, 0, 0, 0] : [b.V1, b.V2, b.V3, b.V4];
        // Scores are sums of weighted counts: equal up to rounding.
        return x.Zip(y).All(p => Math.Abs(p.First - p.Second) <= 1e-9 * Math.Max(1, Math.Abs(p.First)));
    }

    private static double Headline(LedgerMetric metric, IEnumerable<SeriesRow> rows) =>
        rows.Where(r => r.Series.StartsWith(metric.Headline, StringComparison.Ordinal)).Sum(r => r.V1);

    private static string LedgerRow(DateTimeOffset minute, string metric, MinuteCheck check, DateTimeOffset now, long rawEvents, long version)
    {
        var status = check.RepairedNow || check.RepairedBefore ? LedgerTable.Repaired : LedgerTable.Matched;
        var listed = check.Differences.Take(LedgerTable.MaxListedDifferences).Select(Sql.String);
        return $"({Sql.DateTime(minute)}, {Sql.String(metric)}, {Sql.String(status)}, {Sql.DateTime(now)}, {Float(check.Stream)}, {Float(check.Recomputed)}, " +
            $"{Sql.Integer(rawEvents)}, [{string.Join(", ", listed)}], {Sql.Integer(check.Differences.Count)}, {Sql.Integer(version)})";
    }

    private static string Float(double value) => "toFloat64(" + Sql.String(value.ToString("R", CultureInfo.InvariantCulture)) + ")";

    internal static DateTimeOffset Minute(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);

    private sealed record MinuteCheck(double Stream, double Recomputed, List<string> Differences, bool RepairedNow, bool RepairedBefore);
}

/// <summary>What one pass did: minutes checked (each for every metric), (minute, metric) pairs repaired, series that differed.</summary>
public sealed record LedgerPass(int MinutesChecked, int Repaired, int Differences, TimeSpan Duration);

internal sealed record ArrivalRow(long MinuteUnix, long ArrivedEvents);

internal sealed record LedgerStateRow(long MinuteUnix, string Metric, string LastStatus, long LastRawEvents);

internal sealed record SeriesRow(long MinuteUnix, string Series, double V1, double V2, double V3, double V4);

internal sealed record MinuteRow(long MinuteUnix);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ArrivalRow))]
[JsonSerializable(typeof(LedgerStateRow))]
[JsonSerializable(typeof(SeriesRow))]
[JsonSerializable(typeof(MinuteRow))]
internal sealed partial class LedgerJson : JsonSerializerContext;
