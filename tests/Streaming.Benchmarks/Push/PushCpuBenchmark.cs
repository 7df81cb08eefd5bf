using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Streaming.Benchmarks.Load;
using Streaming.DevHost.Fleet;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.LocalServers;
using Streaming.Profiles.Contracts;
using Streaming.Push.Contracts;

namespace Streaming.Benchmarks.Push;

/// <summary>
/// `./run bench push-cpu [--users 100000] [--products 5000] [--cities 50] [--trending 20]`: decisions per CPU second of
/// the push trigger as it runs (its own process: Orleans silo, grains in a local Redis, fed from a local Kafka), with
/// that many users and products. This process hosts the local Kafka and writes the input; Redis is a child process;
/// the trigger's CPU (user + system) is read from /proc. Steps: every user wishlists 2 and views 2 random products
/// (events stamped within the last 6 hours, in a time zone where it is now early afternoon, so quiet hours never
/// hold a push), fed through `events`; then profile changes on `profile-changes`: a warm-up of 5 % of the products
/// crossing wishlist_selling_fast's threshold, then the other 95 % (each pushes the product's wishlisters: about
/// users × 2 / products of them), then <c>--trending</c> products turning rising in distinct cities (each pushes
/// every recent visitor of its city), then as many other products of the same cities turning rising (their visitors
/// were asked about their city within the hour already). Per phase: decisions (push-decisions rows, every outcome, from the topic's
/// ends) per CPU second of the trigger and per wall second, from the first change written until the last decision is
/// out and the trigger has committed every change (at its barrier, every 3 s).
/// </summary>
public static class PushCpuBenchmark
{
    private const int EventsPerRound = 50_000; // the local Kafka keeps about 5 MiB per partition
    private const int WideTopicPartitions = 24; // push-decisions and push-commands: room for a few hundred thousand rows
    private static readonly string[] SeedTypes = [EventTypes.WishlistAdd, EventTypes.WishlistAdd, EventTypes.ProductView, EventTypes.ProductView];

    public static async Task<int> RunAsync(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        var users = int.Parse(Option(args, "--users") ?? "100000", CultureInfo.InvariantCulture);
        var products = int.Parse(Option(args, "--products") ?? "5000", CultureInfo.InvariantCulture);
        var cities = int.Parse(Option(args, "--cities") ?? "50", CultureInfo.InvariantCulture);
        var trending = Math.Min(cities, int.Parse(Option(args, "--trending") ?? "20", CultureInfo.InvariantCulture));
        var partitions = new Dictionary<string, int>(Topics.DefaultPartitions)
        {
            [Topics.PushDecisions] = WideTopicPartitions,
            [Topics.PushCommands] = WideTopicPartitions,
        };
        using var kafka = LocalKafkaCluster.Start(1, partitions);
        await using var redis = await LocalRedisServer.StartAsync();
        using var topics = new PushTopics(kafka.BootstrapServers, partitions);
        var logs = Path.Combine(ServiceLayout.RepositoryRoot(), "artifacts", "bench-push-cpu");
        Directory.CreateDirectory(logs);
        var log = Path.Combine(logs, "push-trigger.log");
        File.Delete(log);
        await using var trigger = ServiceProcess.Start(LocalFleet.PushTrigger, ServiceLayout.ServiceDll(LocalFleet.PushTrigger), LoopbackPorts.Free(), log,
            new Dictionary<string, string>
            {
                ["Kafka__BootstrapServers"] = kafka.BootstrapServers,
                ["Orleans__Redis"] = redis.ConnectionString,
                ["Orleans__ClusterId"] = "push-cpu",
                ["Orleans__SiloPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
                ["Orleans__GatewayPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
            });
        await trigger.WaitUntilHealthyAsync("/healthz", TimeSpan.FromSeconds(90), CancellationToken.None);
        var children = ProcessCpu.Children(Environment.ProcessId);
        var triggerPid = children.Single(c => c.CommandLine.Contains("Streaming.PushTrigger.dll", StringComparison.Ordinal)).Pid;
        var redisPid = children.FirstOrDefault(c => c.CommandLine.Contains("redis-server", StringComparison.Ordinal)).Pid;
        Console.WriteLine($"local Kafka at {kafka.BootstrapServers}, Redis at {redis.ConnectionString} (pid {redisPid}), push trigger pid {triggerPid} (log {log})");
        Console.WriteLine($"{users:N0} users, {products:N0} products in {cities} cities; {Environment.ProcessorCount} cores; load average {LoadAverage()}");

        using var producer = topics.Clients.CreateProducer("push-bench-input");
        using var decisions = new PushDecisionsReader(topics.Clients, Topics.PushDecisions, WideTopicPartitions, keepRows: false);

        // Seed: every user's activity, fed through events as ingest writes them (key = user).
        var now = DateTimeOffset.UtcNow;
        var zone = DaytimeOffset(now);
        var seeding = Stopwatch.StartNew();
        var seedCpu = ProcessCpu.TreeCpu([triggerPid])[triggerPid];
        var random = new Random(11);
        var written = 0;
        for (var user = 0; user < users; user++)
        {
            var userId = User(user);
            var offset = zone + TimeSpan.FromHours(user % 3 - 1);
            foreach (var type in SeedTypes)
            {
                var product = random.Next(products);
                var at = (now - TimeSpan.FromSeconds(random.Next(6 * 3600))).ToOffset(offset);
                var e = new AppEvent("e" + written.ToString(CultureInfo.InvariantCulture), type, userId, "s-" + userId, Product(product), at,
                    "ios", "KR", City(product, cities), null, null, now, "tour");
                producer.Send(Topics.Events, userId, JsonSerializer.SerializeToUtf8Bytes(e, EventJsonContext.Default.AppEvent), timestamp: at);
                if (++written % EventsPerRound == 0)
                {
                    producer.FlushAndThrowIfFailed(TimeSpan.FromMinutes(2));
                    await topics.WaitUntilCommittedAsync("push-users", Topics.Events, TimeSpan.FromMinutes(10));
                }
            }
        }

        producer.FlushAndThrowIfFailed(TimeSpan.FromMinutes(2));
        await topics.WaitUntilCommittedAsync("push-users", Topics.Events, TimeSpan.FromMinutes(10));
        var seedUsed = (ProcessCpu.TreeCpu([triggerPid])[triggerPid] - seedCpu).TotalSeconds;
        Console.WriteLine($"seeded {written:N0} events (2 wishlists and 2 views per user) in {seeding.Elapsed.TotalSeconds:0.0} s: the trigger applied them with {seedUsed:0.0} CPU s ({written / seedUsed:N0} events per CPU s); {decisions.Rows:N0} decisions so far");

        // Idle: nothing to read, the silo and its consumers ticking.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var idleFrom = ProcessCpu.TreeCpu([triggerPid])[triggerPid];
        await Task.Delay(TimeSpan.FromSeconds(5));
        var idle = (ProcessCpu.TreeCpu([triggerPid])[triggerPid] - idleFrom).TotalSeconds / 5;
        Console.WriteLine($"idle: {idle:0.000} CPU s per s");

        var version = new Dictionary<int, long>();
        void Change(int product, long bookingsLastHour, string trend)
        {
            var v = version[product] = version.GetValueOrDefault(product) + 1;
            var at = DateTimeOffset.UtcNow;
            var profile = new ProductProfile(Product(product), 3, 5, 20, 4, bookingsLastHour, bookingsLastHour, 0, at, City(product, cities), trend, at);
            var change = new ProfileChange(profile, v, product % Topics.DefaultPartitions[Topics.ProductEvents], v, at, []);
            producer.Send(Topics.ProfileChanges, profile.ProductId, JsonSerializer.SerializeToUtf8Bytes(change, ProfilesJsonContext.Default.ProfileChange), timestamp: at);
        }

        var warm = Math.Max(1, products / 20);
        var phases = new List<PhaseResult>
        {
            await MeasureAsync("warm-up: wishlist_selling_fast", warm, () => { for (var p = 0; p < warm; p++) { Change(p, 5, ProfileTrends.Steady); } }),
            await MeasureAsync("wishlist_selling_fast", products - warm, () => { for (var p = warm; p < products; p++) { Change(p, 5, ProfileTrends.Steady); } }),
            await MeasureAsync("trending_in_city", trending, () => { for (var p = 0; p < trending; p++) { Change(p, 5, ProfileTrends.Rising); } }),
            // Other products of the same cities rising within the hour: their visitors were asked about the city already.
            await MeasureAsync("trending_in_city, same cities again", trending, () => { for (var p = cities; p < cities + trending; p++) { Change(p, 5, ProfileTrends.Rising); } }),
        };

        Console.WriteLine();
        Console.WriteLine($"| phase | changes | decisions | sent / held / suppressed / expired | wall s | trigger CPU s | decisions per CPU s | per wall s | Redis CPU s | machine busy cores |");
        Console.WriteLine("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var p in phases)
        {
            Console.WriteLine($"| {p.Name} | {p.Changes:N0} | {p.Decisions:N0} | {p.Outcomes} | {p.Wall:0.0} | {p.Cpu:0.00} | **{p.Decisions / p.Cpu:N0}** | {p.Decisions / p.Wall:N0} | {p.RedisCpu:0.00} | {p.MachineBusy / p.Wall:0.00} |");
        }

        Console.WriteLine($"idle CPU {idle:0.000} s per s (not subtracted); load average at the end {LoadAverage()}");
        return 0;

        async Task<PhaseResult> MeasureAsync(string name, int changes, Action produce)
        {
            var before = topics.End(Topics.PushDecisions);
            var outcomesBefore = decisions.Counts();
            var cpuBefore = ProcessCpu.TreeCpu([triggerPid, redisPid]);
            var machineBefore = ProcessCpu.MachineBusy();
            var wall = Stopwatch.StartNew();
            produce();
            producer.FlushAndThrowIfFailed(TimeSpan.FromMinutes(2));
            // Sample until the trigger committed every change and no decision came for 2 s; the end is the first sample
            // with the final count and every change committed (the trigger commits at its barrier, every 3 s).
            var samples = new List<(double At, long Decisions, double Cpu, double Redis, double Machine, bool Committed)>();
            while (true)
            {
                await Task.Delay(200);
                var cpu = ProcessCpu.TreeCpu([triggerPid, redisPid]);
                var committed = topics.Committed("push-trigger", Topics.ProfileChanges) >= topics.End(Topics.ProfileChanges);
                samples.Add((wall.Elapsed.TotalSeconds, topics.End(Topics.PushDecisions) - before, (cpu[triggerPid] - cpuBefore[triggerPid]).TotalSeconds,
                    (cpu[redisPid] - cpuBefore[redisPid]).TotalSeconds, (ProcessCpu.MachineBusy() - machineBefore).TotalSeconds, committed));
                var last = samples[^1];
                var quiet = samples.Where(s => s.At >= last.At - 2).All(s => s.Decisions == last.Decisions) && last.At >= 2;
                if (quiet && committed)
                {
                    break;
                }

                if (wall.Elapsed > TimeSpan.FromMinutes(20))
                {
                    throw new TimeoutException($"{name}: the trigger did not finish within 20 minutes ({last.Decisions:N0} decisions).");
                }
            }

            var end = samples.First(s => s.Decisions == samples[^1].Decisions && s.Committed);
            await Task.Delay(500); // the reader catches up with the last rows
            var outcomes = decisions.Counts();
            string Count(string outcome) => outcomes.Where(o => o.Key.Outcome == outcome).Sum(o => o.Value - outcomesBefore.GetValueOrDefault(o.Key)).ToString("N0", CultureInfo.InvariantCulture);
            var result = new PhaseResult(name, changes, end.Decisions, $"{Count(PushOutcomes.Sent)} / {Count(PushOutcomes.Held)} / {Count(PushOutcomes.Suppressed)} / {Count(PushOutcomes.Expired)}",
                end.At, end.Cpu, end.Redis, end.Machine);
            Console.WriteLine($"{name}: {changes:N0} changes → {result.Decisions:N0} decisions ({result.Outcomes} sent/held/suppressed/expired) in {result.Wall:0.0} s with {result.Cpu:0.0} trigger CPU s: {result.Decisions / result.Cpu:N0} per CPU s, {result.Decisions / result.Wall:N0} per wall s; Redis {result.RedisCpu:0.0} CPU s; load average {LoadAverage()}");
            return result;
        }
    }

    /// <summary>An offset from UTC at which it is now about 13:00, so that no push falls in quiet hours (21:00–08:00).</summary>
    internal static TimeSpan DaytimeOffset(DateTimeOffset now)
    {
        var hours = 13 - now.UtcDateTime.Hour;
        hours = hours < -12 ? hours + 24 : hours > 13 ? hours - 24 : hours;
        return TimeSpan.FromHours(hours);
    }

    internal static string LoadAverage() => string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static string User(int index) => string.Create(CultureInfo.InvariantCulture, $"u{index:000000}");

    private static string Product(int index) => string.Create(CultureInfo.InvariantCulture, $"p{index:0000}");

    private static string City(int product, int cities) => string.Create(CultureInfo.InvariantCulture, $"City{product % cities:00}");

    private static string? Option(string[] args, string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

    private sealed record PhaseResult(string Name, int Changes, long Decisions, string Outcomes, double Wall, double Cpu, double RedisCpu, double MachineBusy);
}
