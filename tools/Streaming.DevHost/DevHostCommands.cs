using System.Globalization;
using Streaming.ClickHouse;
using Streaming.DevHost.Chaos;
using Streaming.DevHost.Fleet;
using Streaming.DevHost.Simulation;
using Streaming.DevHost.Summary;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.LocalServers;
using Streaming.Metrics.Bookings;

namespace Streaming.DevHost;

/// <summary>
/// `demo [--minutes N] [--rate EVENTS_PER_SECOND] [--bookings app|cdc]`: the whole fleet with a traffic simulator (none at
/// rate 0) and a live summary; with `--bookings cdc` the fleet takes bookings from Debezium change events, which the
/// simulator writes to the CDC topic instead of posting booking events.
/// `chaos [--minutes N] [--seed S] [--rate R]`: a fault campaign (<see cref="ChaosCampaign"/>), exit 0 only if exact.
/// `kafka`: only the local Kafka, until Ctrl-C.
/// </summary>
public static class DevHostCommands
{
    public const int GatewayPort = 5080;
    public const int IngestPort = 5081;
    public const int ClickHouseHttpPort = 18123;
    public const int ClickHouseTcpPort = 19000;

    public static async Task<int> RunAsync(string[] args)
    {
        // Not disposed: the signal handlers may fire while the process exits.
        var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });
        try
        {
            return args.FirstOrDefault() switch
            {
                "demo" => await DemoAsync(args[1..], stop.Token),
                "chaos" => await ChaosAsync(args[1..], stop.Token),
                "kafka" => await KafkaAsync(stop.Token),
                _ => Usage(),
            };
        }
        catch (InvalidOperationException ex)
        {
            // Set-up problems (missing package, port in use) get their message, not a stack trace.
            await Console.Error.WriteLineAsync("error: " + ex.Message);
            return 2;
        }
        catch (TimeoutException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message);
            return 2;
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: devhost demo [--minutes N] [--rate EVENTS_PER_SECOND] [--bookings app|cdc] | devhost chaos [--minutes N] [--seed S] [--rate R] | devhost kafka");
        return 64;
    }

    private static async Task<int> DemoAsync(string[] args, CancellationToken stop)
    {
        var minutes = Option(args, "--minutes", 0);
        var rate = Option(args, "--rate", 300);
        var bookings = TextOption(args, "--bookings", BookingsOptions.FromApps, BookingsOptions.FromApps, BookingsOptions.FromCdc);
        var fromChangeData = bookings == BookingsOptions.FromCdc;
        var state = Path.Combine(ServiceLayout.RepositoryRoot(), ".local", "demo");
        var settings = new FleetSettings
        {
            StateFolder = state,
            GatewayPort = GatewayPort,
            IngestPort = IngestPort,
            ClickHouseHttpPort = ClickHouseHttpPort,
            ClickHouseTcpPort = ClickHouseTcpPort,
            ServiceConfiguration = fromChangeData ? new Dictionary<string, string> { ["Bookings__Source"] = BookingsOptions.FromCdc } : new Dictionary<string, string>(),
        };

        Console.WriteLine($"Streaming demo: starting the fleet (logs in {Path.Combine(state, "logs")})");
        await using var fleet = await LocalFleet.StartAsync(settings, line => Console.WriteLine("  · " + line), stop);
        // From here on a process that exits is started again (with backoff) until Ctrl-C or the end of --minutes.
        fleet.Supervise(line => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{DateTimeOffset.UtcNow:HH:mm:ss}] ! {line}")), stop);
        using var changes = fromChangeData && rate > 0 ? new BookingChangeWriter(fleet.KafkaBootstrap, Topics.CdcBookings, seed: 42) : null;
        var simulator = new TrafficSimulator(fleet.IngestUrl, settings.ApiKey, rate, seed: 42, TimeProvider.System, changes);
        PrintUrls(fleet, settings, rate, fromChangeData);

        using var run = CancellationTokenSource.CreateLinkedTokenSource(stop);
        if (minutes > 0)
        {
            run.CancelAfter(TimeSpan.FromMinutes(minutes));
        }

        // Only Ctrl-C or --minutes ends the demo: a simulator or summary that fails says why and the fleet runs on.
        await Task.WhenAll(
            UntilStoppedAsync("the traffic simulator", simulator.RunAsync(run.Token), run.Token),
            UntilStoppedAsync("the live summary", new LiveSummary(fleet, simulator, Console.Out).RunAsync(TimeSpan.FromSeconds(5), run.Token), run.Token));
        Console.WriteLine("stopping the fleet…");
        return 0;
    }

    private static async Task<int> ChaosAsync(string[] args, CancellationToken stop)
    {
        var options = new ChaosOptions
        {
            Minutes = Math.Max(1, Option(args, "--minutes", 10)),
            Seed = Option(args, "--seed", Random.Shared.Next(1, 1_000_000)),
            Rate = Option(args, "--rate", 200),
            RunFolder = "",
        };
        options = options with
        {
            RunFolder = Path.Combine(ServiceLayout.RepositoryRoot(), ".local", "chaos",
                string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}-seed-{options.Seed}")),
        };
        Directory.CreateDirectory(options.RunFolder);
        await using var log = new StreamWriter(Path.Combine(options.RunFolder, "chaos.log")) { AutoFlush = true };
        await using var output = TextWriter.Synchronized(new TeeWriter(Console.Out, log));
        try
        {
            var result = await ChaosCampaign.RunAsync(options, output, stop);
            return result.Exact ? 0 : 1;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            output.WriteLine($"stopped before the checks; what ran is in {options.RunFolder}");
            return 130;
        }
    }

    private static async Task UntilStoppedAsync(string what, Task task, CancellationToken run)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException) when (run.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"error: {what} stopped ({ex.GetType().Name}: {ex.Message}); the fleet runs on until Ctrl-C");
        }

        try
        {
            await Task.Delay(Timeout.Infinite, run);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C or --minutes elapsed.
        }
    }

    private static void PrintUrls(LocalFleet fleet, FleetSettings settings, int rate, bool fromChangeData)
    {
        var hourAgo = DateTimeOffset.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mm:00Z", CultureInfo.InvariantCulture);
        var inAMinute = DateTimeOffset.UtcNow.AddMinutes(1).ToString("yyyy-MM-ddTHH:mm:00Z", CultureInfo.InvariantCulture);
        var traffic = rate == 0 ? "the simulator is off (--rate 0): only the events you post arrive" : $"the simulator sends about {rate} events/s";
        if (fromChangeData)
        {
            traffic += $"; bookings come from CDC (Bookings__Source=cdc): {(rate == 0 ? "write" : "the simulator writes")} Debezium change events of the bookings table to "
                + $"{Topics.CdcBookings}{(rate == 0 ? "" : $" (a snapshot of {TrafficSimulator.SeededBookings} rows first)")}, and ingest refuses booking events";
        }

        Console.WriteLine($"""

            The fleet is up; {traffic}. Try:
              dashboard      {fleet.GatewayUrl}/   (freshness and lag: {fleet.GatewayUrl}/v1/status)
              bookings API   curl '{fleet.GatewayUrl}/v1/metrics/bookings?from={hourAgo}&to={inAMinute}'
              per minute     curl '{fleet.GatewayUrl}/v1/metrics/bookings/per-minute?from={hourAgo}&to={inAMinute}'
              ClickHouse     clickhouse-client --port {fleet.ClickHouse.TcpPort} --database {settings.ClickHouseDatabase} --query 'SELECT * FROM {BookingsTable.PerMinute} ORDER BY minute DESC LIMIT 10'
              ingest         curl -X POST {fleet.IngestUrl}/v1/events -H 'X-Api-Key: {settings.ApiKey}' -H 'Content-Type: application/json' -d '[...]'
              support        curl -H 'X-Api-Key: {settings.OperatorKey}' '{fleet.GatewayUrl}/v1/users/u-1/pushes'   (client ops: support and operator scopes)
              Kafka          {fleet.KafkaBootstrap}
              metrics        {string.Join("\n                 ", fleet.Services.Select(s => $"{s.Url}/metrics  ({s.Name.Replace("Streaming.", "", StringComparison.Ordinal)})"))}
                             Prometheus text; a Grafana dashboard over them is in k8s/monitoring/streaming-dashboard.json
            Windows close about 5 s after each minute ends (grace), so the first bookings appear a minute in.
            Ctrl-C stops everything.

            """);
    }

    private static async Task<int> KafkaAsync(CancellationToken stop)
    {
        using var kafka = LocalKafkaCluster.Start(3, Topics.DefaultPartitions);
        var file = Path.Combine(ServiceLayout.RepositoryRoot(), ".local", "kafka", "bootstrap");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, kafka.BootstrapServers, stop);
        Console.WriteLine(kafka.BootstrapServers);
        Console.Error.WriteLine($"local Kafka running (bootstrap also in {file}); topics: {string.Join(", ", Topics.DefaultPartitions.Select(t => $"{t.Key}({t.Value})"))}. Ctrl-C stops it.");
        try
        {
            await Task.Delay(Timeout.Infinite, stop);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C.
        }

        return 0;
    }

    private static string TextOption(string[] args, string name, string fallback, params string[] allowed)
    {
        var index = Array.IndexOf(args, name);
        if (index < 0)
        {
            return fallback;
        }

        if (index + 1 >= args.Length || !allowed.Contains(args[index + 1], StringComparer.Ordinal))
        {
            throw new InvalidOperationException($"{name} needs one of {string.Join(", ", allowed)}, e.g. {name} {allowed[^1]}");
        }

        return args[index + 1];
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        if (index < 0)
        {
            return fallback;
        }

        if (index + 1 >= args.Length || !int.TryParse(args[index + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            throw new InvalidOperationException($"{name} needs a whole number, e.g. {name} 2");
        }

        return value;
    }
}
