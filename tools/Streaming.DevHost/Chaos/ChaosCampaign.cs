using System.Globalization;
using System.Text;
using Streaming.DevHost.Fleet;
using Streaming.DevHost.Simulation;
using Streaming.DevHost.Summary;
using Streaming.Events;

namespace Streaming.DevHost.Chaos;

/// <summary>One kind of fault as the campaign injected it: how often, and the recovery times after it (null: not seen).</summary>
public sealed record FaultSummary(string Kind, int Count, IReadOnlyList<TimeSpan?> Recoveries);

/// <summary>What a campaign found: exact or not, per check, the faults and the soak slopes.</summary>
public sealed record ChaosResult(
    bool Exact,
    IReadOnlyList<CheckResult> Checks,
    IReadOnlyList<FaultSummary> Faults,
    IReadOnlyList<string> KindsNotInjected,
    IReadOnlyList<SoakSlope> Slopes,
    long EventsAccepted,
    long Unsettled,
    string Report);

/// <summary>
/// `./run chaos`: the whole fleet on the embedded defaults (plus <see cref="ChaosOptions.ServiceConfiguration"/>), under
/// supervision, with simulated apps that post until ingest accepts (the truth is what it accepted) and a
/// <see cref="Nemesis"/> injecting faults; then the fleet settles and <see cref="ChaosChecks"/> compares it with the
/// truth. While it runs: a progress line every few seconds, each fault and each restart; in the run folder: the
/// services' logs, plan.csv, faults.csv, status.csv (the gateway's lag and freshness), soak.csv, report.txt.
/// </summary>
public static class ChaosCampaign
{
    /// <summary>
    /// The two settings the campaign changes from the embedded defaults, so that its checks see what they check: no quiet
    /// hours (otherwise, in most time zones of the simulated users, every push of an evening run is held until morning
    /// and the push provider's faults meet nothing), and a gateway limit above what the checker asks from one address.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Settings = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["PushTrigger__QuietHoursStart"] = "00:00:00",
        ["PushTrigger__QuietHoursEnd"] = "00:00:00",
        ["Gateway__RequestsPerMinute"] = "100000",
    };

    public static async Task<ChaosResult> RunAsync(ChaosOptions options, TextWriter output, CancellationToken stop)
    {
        Directory.CreateDirectory(options.RunFolder);
        await File.WriteAllTextAsync(Path.Combine(options.RunFolder, "replay.txt"), options.ReplayCommand + "\n", stop);
        void Say(string line) => output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{DateTimeOffset.UtcNow:HH:mm:ss}] {line}"));
        Say($"chaos: seed {options.Seed}, {options.Minutes} min at {options.Rate} events/s; run folder {options.RunFolder}");
        Say("replay with: " + options.ReplayCommand);

        var configuration = new Dictionary<string, string>(Settings, StringComparer.Ordinal);
        foreach (var (key, value) in options.ServiceConfiguration)
        {
            configuration[key] = value;
        }

        var settings = new FleetSettings { StateFolder = options.RunFolder, ServiceConfiguration = configuration };
        await using var fleet = await LocalFleet.StartAsync(settings, line => Say("  · " + line), stop);
        fleet.Supervise(line => Say("! " + line), stop);

        var nemesis = new Nemesis(fleet, line => Say("» " + line));
        var run = TimeSpan.FromMinutes(options.Minutes);
        var plan = nemesis.Plan(options.Seed, run);
        await File.WriteAllTextAsync(Path.Combine(options.RunFolder, "plan.csv"),
            "at_s,kind,seed\n" + string.Concat(plan.Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.At.TotalSeconds:0.0},{f.Kind},{f.Seed}\n"))), stop);
        Say($"the nemesis plans {plan.Count} faults of {nemesis.Kinds.Count} kinds (plan.csv)");

        var accepted = new List<AppEvent>();
        void Accept(IReadOnlyList<IncomingEvent> batch)
        {
            var at = DateTimeOffset.UtcNow;
            lock (accepted)
            {
                accepted.AddRange(batch.Select(e => Accepted(e, at)));
            }
        }

        var simulator = new TrafficSimulator(fleet.IngestUrl, settings.ApiKey, options.Rate, options.Seed, TimeProvider.System, truth: Accept);
        var monitor = new RecoveryMonitor(fleet);
        var soak = new SoakSampler(fleet, Path.Combine(options.RunFolder, "soak.csv"), options.SoakInterval);
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var monitoring = monitor.RunAsync(sampling.Token);
        var soaking = soak.RunAsync(sampling.Token);
        var summary = UntilCancelledAsync(new LiveSummary(fleet, simulator, output).RunAsync(options.ProgressInterval, sampling.Token));

        using (var traffic = CancellationTokenSource.CreateLinkedTokenSource(stop))
        {
            traffic.CancelAfter(run);
            var posting = UntilCancelledAsync(simulator.RunAsync(traffic.Token));
            await nemesis.RunAsync(plan, traffic.Token);
            try
            {
                await Task.Delay(Timeout.Infinite, traffic.Token);
            }
            catch (OperationCanceledException)
            {
                // The run's minutes are over (or Ctrl-C).
            }

            Say("traffic stops; posting what the apps still hold");
            await posting;
        }

        stop.ThrowIfCancellationRequested();
        List<AppEvent> truth;
        lock (accepted)
        {
            truth = [.. accepted];
        }

        Say(string.Create(CultureInfo.InvariantCulture,
            $"{simulator.Accepted:N0} events accepted ({simulator.Retried:N0} posts repeated, {simulator.Unsettled:N0} events unsettled); waiting up to {options.SettleTimeout.TotalMinutes:0} min for the fleet to be exact"));
        var checks = await new ChaosChecks(fleet, truth).UntilExactAsync(options.SettleTimeout, Say, stop);

        // A few more readings, so that the last faults' recoveries are seen when they came during the checks.
        await sampling.CancelAsync();
        await Task.WhenAll(monitoring, soaking, summary);

        var injected = nemesis.Injected;
        var faults = injected.GroupBy(f => f.Kind)
            .Select(g => new FaultSummary(g.Key, g.Count(), [.. g.Select(monitor.Recovery)]))
            .OrderBy(f => f.Kind, StringComparer.Ordinal).ToList();
        var notInjected = nemesis.Kinds.Select(k => k.Kind).Except(faults.Select(f => f.Kind)).ToList();
        var exact = checks.All(c => c.Exact) && simulator.Unsettled == 0;
        var report = Report(options, checks, faults, notInjected, soak.Slopes(), simulator, exact);
        await File.WriteAllTextAsync(Path.Combine(options.RunFolder, "faults.csv"),
            "kind,detail,start,end,recovery_s\n" + string.Concat(injected.Select(f => string.Create(CultureInfo.InvariantCulture,
                $"{f.Kind},\"{f.Detail}\",{f.Start:O},{f.End:O},{monitor.Recovery(f)?.TotalSeconds:0.0}\n"))), CancellationToken.None);
        await File.WriteAllTextAsync(Path.Combine(options.RunFolder, "status.csv"), monitor.Csv(), CancellationToken.None);
        await File.WriteAllTextAsync(Path.Combine(options.RunFolder, "report.txt"), report, CancellationToken.None);
        output.Write(report);
        return new ChaosResult(exact, checks, faults, notInjected, soak.Slopes(), simulator.Accepted, simulator.Unsettled, report);
    }

    /// <summary>The accepted event as ingest stored it (the fields the views and profiles read).</summary>
    private static AppEvent Accepted(IncomingEvent e, DateTimeOffset at) => new(
        e.EventId!, e.Type!, e.UserId!, e.SessionId!, e.ProductId, EventTime.Parse(e.OccurredAt!), e.Platform!, e.Country!, e.City, e.Amount, e.Currency, at, e.Category);

    private static async Task UntilCancelledAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
            // Stopped as planned.
        }
    }

    private static string Report(
        ChaosOptions options, IReadOnlyList<CheckResult> checks, IReadOnlyList<FaultSummary> faults, IReadOnlyList<string> notInjected,
        IReadOnlyList<SoakSlope> slopes, TrafficSimulator simulator, bool exact)
    {
        var text = new StringBuilder();
        var culture = CultureInfo.InvariantCulture;
        text.AppendLine().AppendLine("Faults injected (recovery: from the fault's end until lag < 100 and the freshest minute final)");
        text.AppendLine(culture, $"  {"kind",-28} {"count",5} {"recovery median",16} {"max",8}  not seen");
        foreach (var fault in faults)
        {
            var seen = fault.Recoveries.Where(r => r is not null).Select(r => r!.Value.TotalSeconds).Order().ToList();
            var median = seen.Count == 0 ? "-" : seen[seen.Count / 2].ToString("0", culture) + " s";
            var max = seen.Count == 0 ? "-" : seen[^1].ToString("0", culture) + " s";
            text.AppendLine(culture, $"  {fault.Kind,-28} {fault.Count,5} {median,16} {max,8}  {fault.Recoveries.Count(r => r is null)}");
        }

        if (notInjected.Count > 0)
        {
            text.AppendLine("  not injected: " + string.Join(", ", notInjected));
        }

        text.AppendLine().AppendLine("Soak (last incarnation of each process, first minute left out): last value, slope per hour");
        foreach (var process in slopes.GroupBy(s => s.Process))
        {
            text.Append(culture, $"  {process.Key,-16} ")
                .AppendLine(string.Join("  ", process.Select(s => string.Create(culture, $"{s.Resource} {s.Last:0.#} ({s.PerHour:+0.#;-0.#;0}/h)"))));
        }

        text.AppendLine().AppendLine(culture, $"Traffic: {simulator.Accepted:N0} events accepted, {simulator.Retried:N0} posts repeated, {simulator.Unsettled:N0} unsettled");
        text.AppendLine("Checks");
        foreach (var check in checks)
        {
            text.AppendLine(culture, $"  {(check.Exact ? "exact" : "WRONG"),-5} {check.Name,-10} {check.Summary}");
            foreach (var difference in check.Differences.Take(10))
            {
                text.AppendLine("          " + difference);
            }

            if (check.Differences.Count > 10)
            {
                text.AppendLine(culture, $"          … {check.Differences.Count - 10} more");
            }
        }

        text.AppendLine().AppendLine(exact
            ? $"VERDICT: exact (seed {options.Seed})"
            : $"VERDICT: NOT exact (seed {options.Seed}); replay: {options.ReplayCommand}; logs in {Path.Combine(options.RunFolder, "logs")}");
        return text.ToString();
    }
}
