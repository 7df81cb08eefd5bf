using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.DevHost.Fleet;
using Streaming.Kafka;

namespace Streaming.Benchmarks.Load;

/// <summary>
/// `./run bench load [--rates 2000,5000,...] [--step-seconds 30] [--max-seconds 360] [--connections 32]`: the whole
/// fleet through ingest at rising rates, until a rate is not sustained: ingest takes less than 95 % of it, more than
/// 0.1 % of events are refused, freshness p99 (window close → final in ClickHouse) passes 3 s, or a consumer group's lag keeps growing.
/// Reports the highest sustained rate, each process's CPU at it, and what saturated first. The fleet runs in a child
/// process (<see cref="FleetHost"/>) with 5-s windows; this process generates the load and measures.
/// </summary>
public static class LoadBenchmark
{
    private const double SettleSeconds = 5;
    private const string LoadGenerator = "load gen";
    private const string Kafka = "Kafka";
    private const string ClickHouse = "ClickHouse";

    // Columns of the report, in pipeline order; the fleet's services by their project names.
    private static readonly (string Project, string Column)[] ServiceColumns =
    [
        (LocalFleet.Ingest, "ingest"), (LocalFleet.Aggregator, "aggregator"), (LocalFleet.ClickHouseSink, "sink"),
        (LocalFleet.Profiles, "profiles"), (LocalFleet.Gateway, "gateway"), (LocalFleet.PushTrigger, "push"),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        if (LoadOptions.Parse(args.Skip(1).ToArray()) is not { } options)
        {
            Console.Error.WriteLine("usage: load [MAX_SECONDS] [--rates 2000,5000,...] [--step-seconds N (multiple of 5, at least 20)] [--max-seconds N] [--connections N]");
            return 64;
        }

        // The report's numbers read the same on every machine.
        CultureInfo.CurrentCulture = CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        var runStart = LoadClock.Now();
        Console.WriteLine($"load average {LoadAverage():0.00} on {Environment.ProcessorCount} cores; rates {string.Join(", ", options.Rates.Select(r => $"{r:N0}"))} events/s, {options.StepSeconds} s each over {options.Connections} connections, at most {options.MaxSeconds} s in all");
        Console.WriteLine("starting the fleet in a child process (local Kafka there, ClickHouse and every service as its children)...");
        using var host = FleetHost.Start();
        var steps = new List<LoadStep>();
        var ending = "";
        var failures = "";
        try
        {
            var endpoints = await FleetHost.ReadEndpointsAsync(host);
            var processes = MeasuredProcesses(host.Id);
            using var http = new HttpClient();
            var clickHouse = new ClickHouseClient(http, Options.Create(new ClickHouseOptions { Url = endpoints.ClickHouseUrl, Database = endpoints.ClickHouseDatabase }));
            await using var watcher = new FinalWindowWatcher(clickHouse, runStart);
            watcher.Start();
            using var lagProbe = new ConsumerLagProbe(endpoints.KafkaBootstrap);
            await using var load = new IngestLoad(endpoints.IngestUrl, endpoints.ApiKey, options.Connections);
            Console.WriteLine($"fleet up; service logs in {endpoints.LogFolder}");

            var t0 = await WarmUpAsync(load, watcher, Math.Min(1_000, options.Rates[0]));
            var run = new StepRunner(load, watcher, lagProbe, processes, options.StepSeconds);
            foreach (var rate in options.Rates)
            {
                if (t0 + options.StepSeconds - runStart > options.MaxSeconds)
                {
                    ending = $"stopped before {rate:N0}/s: the run's {options.MaxSeconds} s are up";
                    break;
                }

                if (host.HasExited)
                {
                    throw new InvalidOperationException("The fleet's host exited during the run.");
                }

                var step = await run.RunAsync(rate, t0);
                steps.Add(step);
                Console.WriteLine(Row(step));
                if (!step.Sustained)
                {
                    break;
                }

                t0 += options.StepSeconds;
            }

            load.SetRate(0);
            failures = string.Join(", ", load.Failures.OrderBy(f => f.Key).Select(f => $"{f.Key} ×{f.Value:N0}"));
        }
        finally
        {
            host.StandardInput.Close(); // the host stops the fleet when its input closes
            await host.WaitForExitAsync();
        }

        Report(steps, ending, runStart);
        if (failures.Length > 0)
        {
            Console.WriteLine($"failed requests over the run: {failures}");
        }

        return 0;
    }

    /// <summary>Sends a light load until the first window is final in ClickHouse; returns the next window boundary.</summary>
    private static async Task<double> WarmUpAsync(IngestLoad load, FinalWindowWatcher watcher, int rate)
    {
        Console.WriteLine($"warming up at {rate:N0} events/s until a window is final in ClickHouse...");
        load.SetRate(rate);
        var clock = Stopwatch.StartNew();
        var window = FleetHost.Window.TotalSeconds;
        while (!watcher.AnyVisible)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(90))
            {
                throw new TimeoutException("No window became final in ClickHouse within 90 s of warm-up: see the service logs.");
            }

            await Task.Delay(200);
        }

        Console.WriteLine($"first window final after {clock.Elapsed.TotalSeconds:0} s of warm-up");
        return (Math.Floor(LoadClock.Now() / window) + 1) * window;
    }

    private static List<(string Column, int Pid)> MeasuredProcesses(int hostPid)
    {
        var children = ProcessCpu.Children(hostPid);
        var measured = new List<(string, int)>();
        foreach (var (project, column) in ServiceColumns)
        {
            var child = children.FirstOrDefault(c => c.CommandLine.Contains(project + ".dll", StringComparison.Ordinal));
            measured.Add((column, child.Pid != 0 ? child.Pid : throw new InvalidOperationException($"No process of {project} under the fleet's host.")));
        }

        var clickHouse = children.FirstOrDefault(c => c.CommandLine.Contains("clickhouse", StringComparison.Ordinal));
        measured.Add((ClickHouse, clickHouse.Pid != 0 ? clickHouse.Pid : throw new InvalidOperationException("No ClickHouse under the fleet's host.")));
        measured.Add((Kafka, hostPid)); // the host's own threads: the local Kafka (the fleet's supervision is idle)
        measured.Add((LoadGenerator, Environment.ProcessId)); // this process: load generator and probes
        return measured;
    }

    private static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    private static readonly string[] CpuColumns = [.. ServiceColumns.Select(s => s.Column), ClickHouse, Kafka, LoadGenerator];

    private static string Header() =>
        "| events/s asked | taken/s | not 202 | POST p99 ms | freshness p50 / p99 s (windows) | highest lag floor | "
        + string.Join(" | ", CpuColumns) + " | other | machine | load avg | sustained |\n"
        + "|" + string.Concat(Enumerable.Repeat("---:|", 6 + CpuColumns.Length + 3)) + "---|";

    private static string Row(LoadStep s) =>
        $"| {s.Asked:N0} | {s.Achieved:N0} | {s.Failed:N0} | {s.PostP99Milliseconds:0} | {s.FreshnessP50:0.00} / {s.FreshnessP99:0.00} ({s.Freshness.Count}{(s.NotVisible > 0 ? $", {s.NotVisible} late" : "")}) | "
        + $"{s.WorstLag.Input.Group} {s.WorstLag.FloorSeconds:0.0} s | "
        + string.Join(" | ", CpuColumns.Select(c => s.Cores[c].ToString("0.00", CultureInfo.InvariantCulture)))
        + $" | {s.MachineCores - s.Cores.Values.Sum():0.00} | {s.MachineCores:0.00} | {s.LoadAverage:0.0} | {(s.Sustained ? "yes" : "no")} |";

    private static void Report(List<LoadStep> steps, string ending, double runStart)
    {
        Console.WriteLine();
        Console.WriteLine($"CPU in cores (1.00 = one core busy) of each process with its children, over each step after {SettleSeconds:0} s of settling; "
            + "other = the rest of the machine; lag floor = the group's lowest lag in the step's last 5 s, in seconds of its input.");
        Console.WriteLine(Header());
        foreach (var step in steps)
        {
            Console.WriteLine(Row(step));
        }

        Console.WriteLine();
        foreach (var step in steps.Where(s => s.Late > 0 || s.DeadLettered > 0 || s.BehindRetention.Count > 0 || s.EventsRetentionSeconds is not null))
        {
            Console.WriteLine($"at {step.Asked:N0}/s: {step.Late:N0} late, {step.DeadLettered:N0} dead-lettered; the local Kafka holds "
                + (step.EventsRetentionSeconds is { } held ? $"{held:0.0} s of events (5 MiB per partition)" : "every event so far")
                + (step.BehindRetention.Count > 0 ? $"; it already dropped records past the committed offsets of {string.Join(", ", step.BehindRetention)} (a crash now would lose them)" : ""));
        }

        var best = steps.TakeWhile(s => s.Sustained).LastOrDefault();
        var failing = steps.FirstOrDefault(s => !s.Sustained);
        Console.WriteLine(best is null
            ? "no rate was sustained"
            : $"highest sustained: {best.Asked:N0} events/s (took {best.Achieved:N0}/s), freshness p50 {best.FreshnessP50:0.00} s, p99 {best.FreshnessP99:0.00} s over {best.Freshness.Count} windows; "
                + $"CPU there: {string.Join(", ", CpuColumns.Select(c => $"{c} {best.Cores[c]:0.00}"))}; machine {best.MachineCores:0.00} of {Environment.ProcessorCount} cores");
        Console.WriteLine(failing is null
            ? $"no step failed{(ending.Length > 0 ? " (" + ending + ")" : "")}; the busiest process at the last rate: {Busiest(steps[^1])}"
            : $"not sustained at {failing.Asked:N0}/s: {string.Join("; ", failing.Failures)}\nfirst to saturate: {Bottleneck(failing)}");
        Console.WriteLine($"load average (1 min) during the steps: {string.Join(" → ", steps.Select(s => s.LoadAverage.ToString("0.0", CultureInfo.InvariantCulture)))}; run took {LoadClock.Now() - runStart:0} s");
    }

    private static string Busiest(LoadStep step)
    {
        var (column, cores) = step.Cores.Where(c => c.Key != LoadGenerator).MaxBy(c => c.Value);
        return $"{column} ({cores:0.00} cores)";
    }

    /// <summary>What gave out: a group whose lag kept growing, else ingest if it fell short, else the busiest process.</summary>
    private static string Bottleneck(LoadStep step)
    {
        var machine = $"; the machine was {step.MachineCores:0.00} of {Environment.ProcessorCount} cores busy, the busiest process {Busiest(step)}";
        var column = (string service) => ServiceColumns.Single(s => s.Project == service).Column;
        if (step.Lags.Where(l => l.Growing).MaxBy(l => l.FloorSeconds) is { } growing)
        {
            var name = column(growing.Input.Service);
            return $"{name} ({step.Cores[name]:0.00} cores): {growing.Input.Group} fell behind its input ({growing.Floor:N0} records, {growing.FloorSeconds:0.0} s, rising)" + machine;
        }

        if (step.Achieved < 0.95 * step.Asked)
        {
            return $"ingest ({step.Cores["ingest"]:0.00} cores): took {step.Achieved:N0} of {step.Asked:N0} events/s, POST p99 {step.PostP99Milliseconds:0} ms" + machine;
        }

        var worst = step.WorstLag;
        return $"{Busiest(step)}, the busiest process; highest lag floor {worst.Input.Group} {worst.FloorSeconds:0.0} s of input; the machine was {step.MachineCores:0.00} of {Environment.ProcessorCount} cores busy";
    }

    /// <summary>Runs steps of a load run against one fleet, measuring each.</summary>
    private sealed class StepRunner(IngestLoad load, FinalWindowWatcher watcher, ConsumerLagProbe lagProbe, List<(string Column, int Pid)> processes, int stepSeconds)
    {
        private static readonly IReadOnlyList<GroupInput> Groups = ConsumerLagProbe.FleetGroups();

        public async Task<LoadStep> RunAsync(int rate, double t0)
        {
            await LoadClock.DelayUntilAsync(t0);
            load.SetRate(rate);
            var (settled, end) = (t0 + SettleSeconds, t0 + stepSeconds);
            await LoadClock.DelayUntilAsync(settled);
            var before = Snapshot();
            _ = load.TakeLatencies();
            var previous = before;
            for (var tick = settled + 5; tick <= end + 0.001; tick += 5)
            {
                await LoadClock.DelayUntilAsync(tick);
                var now = Snapshot();
                var lagging = lagProbe.Samples(tick - 2, tick).LastOrDefault() is { } last && last.Lag.MaxBy(l => l.Value) is var (group, lag)
                    ? $", most lag {group} {lag:N0}"
                    : "";
                Console.WriteLine($"  {DateTimeOffset.FromUnixTimeMilliseconds((long)(tick * 1000)):HH:mm:ss} asking {rate:N0}/s: took {(now.Counters.Accepted - previous.Counters.Accepted) / (now.At - previous.At):N0}/s, "
                    + $"not 202 {now.Counters.Failed - before.Counters.Failed:N0}{lagging}, machine {(now.Machine - previous.Machine).TotalSeconds / (now.At - previous.At):0.00} cores");
                previous = now;
            }

            var after = previous;
            var latencies = load.TakeLatencies().Order().ToList();
            var seconds = after.At - before.At;
            var (freshness, notVisible) = Freshness(settled, end);
            var samples = lagProbe.Samples(settled, end);
            var eventsPerSecond = samples.Count < 2 ? 0 : (samples[^1].End[Topics.Events] - samples[0].End[Topics.Events]) / (samples[^1].At - samples[0].At);
            var held = samples.Count == 0 ? 0 : samples[^1].Held[Topics.Events];
            return new LoadStep(
                rate,
                (after.Counters.Accepted - before.Counters.Accepted) / seconds,
                after.Counters.Sent - before.Counters.Sent,
                after.Counters.Failed - before.Counters.Failed,
                latencies.Count == 0 ? 0 : latencies[Math.Clamp((int)Math.Ceiling(0.99 * latencies.Count) - 1, 0, latencies.Count - 1)],
                freshness,
                notVisible,
                LoadStep.EvaluateLag(Groups, samples, settled),
                processes.ToDictionary(p => p.Column, p => (after.Cpu[p.Pid] - before.Cpu[p.Pid]).TotalSeconds / seconds),
                (after.Machine - before.Machine).TotalSeconds / seconds,
                LoadAverage(),
                samples.Count < 2 ? 0 : samples[^1].End[Topics.LateEvents] - samples[0].End[Topics.LateEvents],
                samples.Count < 2 ? 0 : samples[^1].End[Topics.DeadLetter] - samples[0].End[Topics.DeadLetter],
                samples.Count > 0 && held < samples[^1].End[Topics.Events] && eventsPerSecond > 0 ? held / eventsPerSecond : null,
                [.. samples.SelectMany(s => s.BehindRetention).Distinct()]);
        }

        /// <summary>
        /// The windows that start after settling and close (end + grace) at least 3 s before the step ends, so that each
        /// has had the limit's time to become final: seconds from close to final, or, for one not final yet, its age.
        /// </summary>
        private (List<double> Freshness, int NotVisible) Freshness(double settled, double end)
        {
            var (window, grace) = (FleetHost.Window.TotalSeconds, FleetHost.Grace.TotalSeconds);
            var now = LoadClock.Now();
            var freshness = new List<double>();
            var notVisible = 0;
            for (var start = Math.Ceiling(settled / window) * window; start + window + grace <= end - LoadStep.FreshnessLimitSeconds; start += window)
            {
                var close = start + window + grace;
                if (watcher.VisibleAt((long)start) is { } visible)
                {
                    freshness.Add(visible - close);
                }
                else
                {
                    freshness.Add(now - close);
                    notVisible++;
                }
            }

            return (freshness, notVisible);
        }

        private CpuSnapshot Snapshot()
        {
            var cpu = ProcessCpu.TreeCpu([.. processes.Select(p => p.Pid)]);
            return new CpuSnapshot(LoadClock.Now(), load.Counters, cpu, ProcessCpu.MachineBusy());
        }
    }

    private sealed record CpuSnapshot(double At, IngestCounters Counters, Dictionary<int, TimeSpan> Cpu, TimeSpan Machine);

    /// <summary>The run's options: the rates to step through, each step's length, and the run's time budget.</summary>
    private sealed record LoadOptions(int[] Rates, int StepSeconds, int MaxSeconds, int Connections)
    {
        public static LoadOptions? Parse(string[] args)
        {
            var options = new LoadOptions([2_000, 5_000, 10_000, 15_000, 20_000, 25_000, 30_000, 40_000], 30, 360, 32);
            for (var i = 0; i < args.Length; i++)
            {
                var value = i + 1 < args.Length ? args[i + 1] : null;
                switch (args[i])
                {
                    case "--rates" when value is not null:
                        options = options with { Rates = [.. value.Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture))] };
                        i++;
                        break;
                    case "--step-seconds" when value is not null:
                        options = options with { StepSeconds = int.Parse(value, CultureInfo.InvariantCulture) };
                        i++;
                        break;
                    case "--connections" when value is not null:
                        options = options with { Connections = int.Parse(value, CultureInfo.InvariantCulture) };
                        i++;
                        break;
                    case "--max-seconds" when value is not null:
                        options = options with { MaxSeconds = int.Parse(value, CultureInfo.InvariantCulture) };
                        i++;
                        break;
                    case var bare when int.TryParse(bare, NumberStyles.None, CultureInfo.InvariantCulture, out var max):
                        options = options with { MaxSeconds = max };
                        break;
                    default:
                        return null;
                }
            }

            // Whole windows per step, and room after settling for windows that close 3 s before the step ends.
            var window = (int)FleetHost.Window.TotalSeconds;
            return options.Rates.Length > 0 && options.Rates.All(r => r > 0) && options.StepSeconds >= 20 && options.StepSeconds % window == 0 && options.Connections > 0 ? options : null;
        }
    }
}
