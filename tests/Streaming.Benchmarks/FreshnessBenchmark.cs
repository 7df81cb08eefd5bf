using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.DevHost.Fleet;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.Metrics.ConcurrentUsers;

namespace Streaming.Benchmarks;

/// <summary>
/// `./run bench freshness [MINUTES]`: how long after a window closes its row is visible through the ClickHouse views.
/// The whole fleet runs locally with production settings except 5-second windows, so that a few minutes give many
/// closes. Events are stamped with the wall clock, so a window ending at E closes when the watermark (latest event
/// time minus the grace) passes E, at E + grace. A window counts as visible when every source partition's final
/// row of the zero-filled "all users" series is in the table and the view returns it.
/// </summary>
public static class FreshnessBenchmark
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string[] args)
    {
        var minutes = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var settings = new FleetSettings
        {
            KafkaBrokers = 1,
            ServiceConfiguration = new Dictionary<string, string>
            {
                ["Aggregator__WindowSize"] = Window.ToString("c", CultureInfo.InvariantCulture),
                ["Aggregator__Grace"] = Grace.ToString("c", CultureInfo.InvariantCulture),
            },
        };
        Console.WriteLine("starting the fleet (local Kafka, ClickHouse, every service)...");
        await using var fleet = await LocalFleet.StartAsync(settings, line => Console.WriteLine("  " + line), CancellationToken.None);
        using var http = new HttpClient();
        var clickHouse = new ClickHouseClient(http, Options.Create(fleet.ClickHouseOptions));
        var partitions = FinalWindows.SourcePartitions;

        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(minutes));
        var traffic = Task.Run(() => Produce(fleet.KafkaBootstrap, stop.Token));
        var firstMeasured = Ceiling(DateTimeOffset.UtcNow + TimeSpan.FromSeconds(20)); // after start-up settles
        var visible = new Dictionary<long, DateTimeOffset>();
        Console.WriteLine($"measuring windows from {firstMeasured:HH:mm:ss} for {minutes} minutes; each dot is a window made visible");
        while (!stop.IsCancellationRequested || visible.Count == 0)
        {
            var final = await FinalWindows.QueryAsync(clickHouse, firstMeasured);
            var now = DateTimeOffset.UtcNow;
            foreach (var window in final.Where(w => !visible.ContainsKey(w)))
            {
                visible[window] = now;
                Console.Write('.');
            }

            await Task.Delay(50);
        }

        await traffic;
        var lags = visible
            .Where(v => v.Key + (long)Window.TotalSeconds <= DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 10)
            .Select(v => (v.Value - (DateTimeOffset.FromUnixTimeSeconds(v.Key) + Window + Grace)).TotalSeconds)
            .Order().ToList();
        var viewRows = await clickHouse.ScalarAsync(
            $"SELECT count() FROM {Sql.Identifier(ConcurrentUsersTable.PerMinute)} WHERE dimension = 'all' AND minute >= {Sql.DateTime(firstMeasured)}");
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{lags.Count} windows; close → visible (all {partitions} partitions final): p50 {Percentile(lags, 0.50):0.000} s, p99 {Percentile(lags, 0.99):0.000} s, max {lags[^1]:0.000} s; the view returns {viewRows} of them"));
        return 0;
    }

    private static DateTimeOffset Ceiling(DateTimeOffset t) =>
        DateTimeOffset.FromUnixTimeSeconds(((t.ToUnixTimeSeconds() / (long)Window.TotalSeconds) + 1) * (long)Window.TotalSeconds);

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>About 300 events a second stamped with the wall clock, spread over users (and so partitions).</summary>
    private static void Produce(string bootstrap, CancellationToken stop)
    {
        KafkaNative.EnsureLoaded();
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = bootstrap, LingerMs = 5 }).Build();
        var random = new Random(3);
        var sent = 0L;
        var clock = Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            var at = DateTimeOffset.UtcNow;
            var user = "u" + random.Next(5_000).ToString(CultureInfo.InvariantCulture);
            var e = new AppEvent("f" + sent.ToString(CultureInfo.InvariantCulture), EventTypes.PageView, user, "s-" + user, null, at, "ios", "KR", "Seoul", null, null, at);
            producer.Produce(Topics.Events, new Message<string, byte[]> { Key = user, Value = JsonSerializer.SerializeToUtf8Bytes(e, EventJsonContext.Default.AppEvent) });
            sent++;
            var ahead = TimeSpan.FromSeconds(sent / 300.0) - clock.Elapsed;
            if (ahead > TimeSpan.Zero)
            {
                Thread.Sleep(ahead); // Paces the traffic; this is a load generator, not a test.
            }
        }

        producer.Flush(TimeSpan.FromSeconds(10));
    }
}
