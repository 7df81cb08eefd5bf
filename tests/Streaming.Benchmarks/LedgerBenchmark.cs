using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Streaming.ClickHouse;
using Streaming.Events;
using Streaming.LocalServers;
using Streaming.Metrics;
using Streaming.Metrics.Bookings;
using Streaming.Metrics.ConcurrentUsers;
using Streaming.Metrics.Ledger;
using Streaming.Metrics.Popularity;
using Streaming.Metrics.RawEvents;

namespace Streaming.Benchmarks;

/// <summary>
/// `./run bench ledger [MINUTES] [EVENTS_PER_SECOND]`: what the gap ledger costs on Debian's ClickHouse 18.16 (or the
/// server CLICKHOUSE_URL names). MINUTES of demo-like traffic (default 60 minutes at 300 events/s) go into events_raw;
/// then (1) a pass over metric tables with nothing in them repairs every minute (the worst case), (2) with the stream's
/// rows in place and a re-check of every minute, a pass finds them all matched (the steady case), (3) gaps: a wrong row
/// written for a minute and a re-check asked for, or late events past the horizon, each with the reconciler running as in the sink
/// (default Interval 30 s): the time from the gap to the view showing the exact value.
/// </summary>
public static class LedgerBenchmark
{
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    public static async Task<int> RunAsync(string[] args)
    {
        var minutes = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 60;
        var perSecond = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 300;
        await using var server = await LocalClickHouseServer.StartAsync();
        using var http = new HttpClient();
        var database = "ledger_bench_" + Guid.NewGuid().ToString("N")[..8];
        var client = new ClickHouseClient(http, Options.Create(new ClickHouseOptions { Url = server.Url, Database = database }));
        await new SchemaMigrator(client).ApplyAsync(FleetSchema.Migrations);
        Console.WriteLine($"ClickHouse {await client.ScalarAsync("SELECT version()")}; {minutes} minutes at {perSecond} events/s into events_raw...");
        var random = new Random(7);
        var total = 0L;
        for (var minute = 0; minute < minutes; minute++)
        {
            var events = Enumerable.Range(0, perSecond * 60).Select(i => Event(random, Start.AddMinutes(minute).AddMilliseconds(i * 1000.0 / perSecond), $"m{minute}-{i}")).ToList();
            await client.InsertRowBinaryAsync(RawEventsTable.Table, events, RawEventsTable.Rows);
            total += events.Count;
        }

        var options = new LedgerOptions { MaxMinutesPerPass = 100_000 };
        var clock = new FakeTimeProvider(Start.AddMinutes(minutes) + options.CheckDelay + TimeSpan.FromMinutes(1));
        var reconciler = new LedgerReconciler(client, options, new MetricOptions(), clock);

        var repairAll = await reconciler.RunPassAsync();
        Report("every minute missing (repaired)", repairAll, minutes);

        // The stream's rows: the repairs copied into the metric tables as partition 0's final results; then no repairs.
        await client.ExecuteAsync($"INSERT INTO {BookingsTable.Table} (window_start, dimension, dimension_value, currency, source_partition, revision, provisional, bookings, cancellations, revenue_minor, cancelled_revenue_minor, incarnation) SELECT window_start, dimension, dimension_value, currency, 0, 1, 0, bookings, cancellations, revenue_minor, cancelled_revenue_minor, 0 FROM {BookingsTable.RepairTable}");
        await client.ExecuteAsync($"INSERT INTO {ConcurrentUsersTable.Table} (window_start, dimension, dimension_value, source_partition, revision, provisional, users, incarnation) SELECT window_start, dimension, dimension_value, 0, 1, 0, users, 0 FROM {ConcurrentUsersTable.RepairTable}");
        await client.ExecuteAsync($"INSERT INTO {PopularityTable.Table} (window_start, product_id, source_partition, revision, provisional, views, wishlists, bookings, score, incarnation) SELECT window_start, product_id, 0, 1, 0, views, wishlists, bookings, score, 0 FROM {PopularityTable.RepairTable}");
        foreach (var table in new[] { Repairs.Table, BookingsTable.RepairTable, ConcurrentUsersTable.RepairTable, PopularityTable.RepairTable })
        {
            await client.ExecuteAsync("TRUNCATE TABLE " + table);
        }

        clock.Advance(TimeSpan.FromSeconds(1));
        await client.ExecuteAsync(LedgerTable.RecheckSql(Start, Start.AddMinutes(minutes), clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromSeconds(1));
        var matchAll = await reconciler.RunPassAsync();
        Report("every minute re-checked, all matched", matchAll, minutes);
        clock.Advance(TimeSpan.FromSeconds(1));
        var idle = await reconciler.RunPassAsync();
        Console.WriteLine($"  a pass with nothing due: {idle.Duration.TotalMilliseconds:0} ms ({idle.MinutesChecked} minutes checked)");

        // Gaps, with the reconciler on its real clock and interval as the sink runs it.
        var live = new LedgerOptions { CheckDelay = TimeSpan.Zero, Interval = options.Interval, LookBack = TimeSpan.FromDays(400) };
        var delays = new List<double>();
        using var stop = new CancellationTokenSource();
        var service = RunLoopAsync(new LedgerReconciler(client, live, new MetricOptions(), TimeProvider.System), live.Interval, stop.Token);
        for (var gap = 0; gap < 3; gap++)
        {
            var minute = Start.AddMinutes(random.Next(minutes));
            var expected = await client.ScalarAsync($"SELECT sum(bookings) FROM {BookingsTable.PerMinute} WHERE minute = {Sql.DateTime(minute)} AND dimension = 'product'");
            var started = Stopwatch.GetTimestamp();
            if (gap == 1)
            {
                // Late events past the horizon: only events_raw has them.
                var late = Enumerable.Range(0, 5).Select(i => Event(random, minute.AddSeconds(i), $"late{gap}-{i}") with { Type = EventTypes.BookingConfirmed, ProductId = "p-late", Amount = 100, Currency = "KRW" }).ToList();
                await client.InsertRowBinaryAsync(RawEventsTable.Table, late, RawEventsTable.Rows);
                expected = (long.Parse(expected!, CultureInfo.InvariantCulture) + 5).ToString(CultureInfo.InvariantCulture);
            }
            else
            {
                // A wrong result (a bug fixed later: a partial of a partition that never existed), and a re-check asked for,
                // as an operator would after the incident.
                await client.InsertRowBinaryAsync(BookingsTable.Table, [new BookingsPerMinute(minute, "product", "p-bug", "KRW", 9, 1, false, 1000, 0, 0, 0)], BookingsTable.Rows);
                await client.ExecuteAsync(LedgerTable.RecheckSql(minute, minute.AddMinutes(1), DateTimeOffset.UtcNow));
            }

            while (await client.ScalarAsync($"SELECT sum(bookings) FROM {BookingsTable.PerMinute} WHERE minute = {Sql.DateTime(minute)} AND dimension = 'product'") != expected)
            {
                await Task.Delay(200);
            }

            delays.Add(Stopwatch.GetElapsedTime(started).TotalSeconds);
            Console.WriteLine($"  gap {gap + 1} ({(gap == 1 ? "late events past the horizon" : "a wrong row, re-check asked")}) at {minute:HH:mm}: exact again after {delays[^1]:0.0} s");
        }

        await stop.CancelAsync();
        await service;
        Console.WriteLine($"events_raw: {total:N0} events; gap to repair with Interval {live.Interval.TotalSeconds:0} s: max {delays.Max():0.0} s, mean {delays.Average():0.0} s");
        await client.ExecuteAsync("DROP DATABASE " + Sql.Identifier(database), useDatabase: false);
        return 0;
    }

    private static async Task RunLoopAsync(LedgerReconciler reconciler, TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            do
            {
                await reconciler.RunPassAsync(cancellationToken);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static void Report(string what, LedgerPass pass, int minutes) =>
        Console.WriteLine(
            $"  {what}: {pass.MinutesChecked} minutes × {LedgerMetrics.All.Count} metrics in {pass.Duration.TotalSeconds:0.00} s = " +
            $"{pass.Duration.TotalMilliseconds / Math.Max(1, pass.MinutesChecked):0.0} ms per minute checked ({pass.Repaired} repaired, of {minutes * LedgerMetrics.All.Count})");

    private static AppEvent Event(Random random, DateTimeOffset at, string id)
    {
        var roll = random.Next(100);
        var type = roll < 3 ? EventTypes.BookingConfirmed : roll < 4 ? EventTypes.BookingCancelled : roll < 40 ? EventTypes.ProductView : roll < 45 ? EventTypes.WishlistAdd : EventTypes.PageView;
        var booking = type is EventTypes.BookingConfirmed or EventTypes.BookingCancelled;
        var product = "p" + random.Next(300);
        return new AppEvent(
            id, type, "u" + random.Next(5000), "s" + random.Next(5000), type == EventTypes.PageView ? null : product, at,
            random.Next(2) == 0 ? "ios" : "android", random.Next(3) == 0 ? "JP" : "KR", "City" + random.Next(8),
            booking ? 1000 * random.Next(1, 50) : null, booking ? "KRW" : null, at.AddSeconds(1), "tour");
    }
}
