using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.LocalServers;
using Streaming.Profiles;
using Streaming.Profiles.Status;
using Streaming.ServiceDefaults;

namespace Streaming.Benchmarks;

/// <summary>
/// `./run bench profiles-cpu [events]`: CPU-seconds per million product events of the profiles silo (consumer, grains,
/// flush barriers, profile-changes) against a plain consume loop over the same topic, in one run. As in kafka-cpu,
/// the local Kafka and the producer run in a child process; Redis (grain storage and clustering) is a child process
/// too, so its own CPU is not charged to the silo. Each contender is warmed up on a first batch, then charged this
/// process's CPU while it consumed the main batch and committed it, in rounds (the local Kafka keeps 5 MiB per
/// partition). Idle CPU (nothing to read, after the warm-up settled) is printed apart, and so is the CPU less idle × wall.
/// The process runs with the silo's runtime settings: the server garbage collector and thread-pool workers that do not spin.
/// </summary>
public static class ProfilesCpuBenchmark
{
    /// <summary>Rounds keep the unread backlog below the local Kafka's 5 MiB per partition (as in kafka-cpu).</summary>
    private const int Round = 200_000;

    /// <summary>Warm-up rounds go on until one has the JIT compile fewer methods than this (at most <see cref="MaxExtraWarmUps"/>).</summary>
    private const int SettledJitMethods = 50;

    private const int MaxExtraWarmUps = 6;

    /// <summary>
    /// Warm-up lasts at least this long from a contender's start: the silo's minute timers (Orleans' activation
    /// collector, the gateway's cache expiry, Redis keep-alives) first run about a minute after start, and their new
    /// code sets off one burst of tiered compilation (about 300 methods, 0.6 to 1.5 CPU s here) that is start-up cost.
    /// </summary>
    private static readonly TimeSpan MinWarmUp = TimeSpan.FromSeconds(90);

    public static async Task<int> RunAsync(string[] args)
    {
        if (!GCSettings.IsServerGC)
        {
            // The silo runs with the server garbage collector (the web SDK's default, in its runtimeconfig.json); this
            // process does not, so the benchmark runs again in a child that does (both contenders alike).
            return await RunWithServerGcAsync(args);
        }

        var count = args.Skip(1).FirstOrDefault(a => a.All(char.IsAsciiDigit)) is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 1_000_000;
        // A whole round at 1,000,000: the silo runs far more code than the loop (Orleans, storage, serializers), and
        // what a shorter warm-up leaves to the JIT would be charged to the measured events.
        var warmUp = Math.Max(2_000, Math.Min(Round, count / 5));
        using var broker = KafkaCpuBenchmark.StartBroker();
        var bootstrap = await broker.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("The broker process printed nothing.");
        await using var redis = await LocalRedisServer.StartAsync();
        Console.WriteLine($"local Kafka at {bootstrap}, Redis at {redis.ConnectionString}; {warmUp:N0} warm-up and {count:N0} measured product events per contender, in rounds of {Round:N0}; {(GCSettings.IsServerGC ? "server" : "workstation")} garbage collector, as the silo");

        async Task ProduceAsync(string prefix, int from, int n)
        {
            await broker.StandardInput.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{prefix} {from} {n} {Topics.ProductEvents}"));
            await broker.StandardInput.FlushAsync();
            _ = await broker.StandardOutput.ReadLineAsync();
        }

        var contenders = new List<(string Name, Func<KafkaOptions, Contender> Start)>
        {
            // The silo's consumer settings: a live consumer (short fetch wait).
            ("plain consume loop", k => PlainLoop.Start(k, Topics.ProductEvents, live: true)),
            ("profiles silo", k => ProfilesSilo.Start(k, redis.ConnectionString)),
            ("plain consume loop (again)", k => PlainLoop.Start(k, Topics.ProductEvents, live: true)),
        };
        var results = new List<(string Name, double CpuSeconds, double WallSeconds, double Idle)>();
        for (var i = 0; i < contenders.Count; i++)
        {
            var prefix = $"p{i}.";
            await ProduceAsync(prefix, 0, warmUp);
            var startedAt = Stopwatch.GetTimestamp();
            using var contender = contenders[i].Start(new KafkaOptions { BootstrapServers = bootstrap, TopicPrefix = prefix });
            contender.WaitUntilCommitted();
            // Idle: after the warm-up has settled (background compilation of what it ran, its last barrier), with nothing to read.
            await Task.Delay(TimeSpan.FromSeconds(5));
            GC.Collect();
            var idleFrom = Process.GetCurrentProcess().TotalProcessorTime;
            await Task.Delay(TimeSpan.FromSeconds(10));
            var idle = (Process.GetCurrentProcess().TotalProcessorTime - idleFrom).TotalSeconds / 10;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{contenders[i].Name}: idle {idle:0.000} CPU s per s"));

            // One round as measured: the child produces, the contender consumes meanwhile and commits it all.
            var next = warmUp;
            async Task<(double Cpu, TimeSpan Wall, int Jitted)> RoundAsync(int events)
            {
                GC.Collect();
                var (cpu, jitted, started) = (Process.GetCurrentProcess().TotalProcessorTime, System.Runtime.JitInfo.GetCompiledMethodCount(), Stopwatch.GetTimestamp());
                await ProduceAsync(prefix, next, events);
                contender.WaitUntilCommitted();
                next += events;
                return ((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds, Stopwatch.GetElapsedTime(started),
                    (int)(System.Runtime.JitInfo.GetCompiledMethodCount() - jitted));
            }

            // Then unmeasured rounds like the measured ones while the JIT is still busy: the silo's code called per
            // barrier or per batch (a few times a second) reaches the call counts of tiered compilation only after
            // many rounds, and compiling it is a start-up cost, not a cost per event.
            // The same for every contender: idle until MinWarmUp after its start, then rounds until one compiles little.
            for (var extra = 1; extra <= MaxExtraWarmUps; extra++)
            {
                var (cpu, _, jitted) = await RoundAsync(Round);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{contenders[i].Name}: warm-up round {extra}: {cpu:0.00} CPU s, the JIT compiled {jitted} methods"));
                if (jitted < SettledJitMethods && Stopwatch.GetElapsedTime(startedAt) >= MinWarmUp)
                {
                    break;
                }

                if (Stopwatch.GetElapsedTime(startedAt) < MinWarmUp)
                {
                    var (idleJitFrom, idleJitTime) = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
                    await Task.Delay(MinWarmUp - Stopwatch.GetElapsedTime(startedAt));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{contenders[i].Name}: idle until {MinWarmUp.TotalSeconds:0} s after start; the JIT compiled {System.Runtime.JitInfo.GetCompiledMethodCount() - idleJitFrom} methods in {(System.Runtime.JitInfo.GetCompilationTime() - idleJitTime).TotalSeconds:0.00} s meanwhile"));
                }
            }

            Console.WriteLine($"{contenders[i].Name}: measuring");
            var (used, wall) = (0.0, TimeSpan.Zero);
            var (allocatedFrom, gen0From, gen2From) = (GC.GetTotalAllocatedBytes(precise: true), GC.CollectionCount(0), GC.CollectionCount(2));
            var before = (contender as ProfilesSilo)?.Counters();
            var (jitFrom, jittedFrom) = (System.Runtime.JitInfo.GetCompilationTime(), System.Runtime.JitInfo.GetCompiledMethodCount());
            var jittedPerRound = new List<int>();
            for (var produced = 0; produced < count; produced += Round)
            {
                var (cpu, elapsed, jitted) = await RoundAsync(Math.Min(Round, count - produced));
                (used, wall) = (used + cpu, wall + elapsed);
                jittedPerRound.Add(jitted);
            }

            results.Add((contenders[i].Name, used, wall.TotalSeconds, idle));
            var allocated = (GC.GetTotalAllocatedBytes(precise: true) - allocatedFrom) / (double)count;
            var jit = System.Runtime.JitInfo.GetCompilationTime() - jitFrom;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{contenders[i].Name}: {used:0.00} CPU s in {wall.TotalSeconds:0.00} s; {allocated:0} bytes allocated per event (this process), {GC.CollectionCount(0) - gen0From} gen0 and {GC.CollectionCount(2) - gen2From} gen2 collections; the JIT compiled {System.Runtime.JitInfo.GetCompiledMethodCount() - jittedFrom} methods ({string.Join(", ", jittedPerRound)} per round) in {jit.TotalSeconds:0.00} s meanwhile"));
            if (contender is ProfilesSilo silo && before is { } b)
            {
                var a = silo.Counters();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{contenders[i].Name}: per 1,000 events {(a.Feeds - b.Feeds) * 1000.0 / count:0.0} grain feeds, {(a.Writes - b.Writes) * 1000.0 / count:0.0} state writes, {(a.Changes - b.Changes) * 1000.0 / count:0.0} profile-changes records; {a.Applied - b.Applied:N0} events applied"));
            }
        }

        var baseline = (results[0].CpuSeconds + results[^1].CpuSeconds) / 2;
        Console.WriteLine();
        Console.WriteLine("| contender | CPU s | wall s | CPU s per 1M events | × plain loop (mean of both runs) | idle CPU s per s | CPU s per 1M events less idle × wall |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, cpu, wall, idle) in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {cpu:0.00} | {wall:0.00} | {cpu / count * 1e6:0.00} | {cpu / baseline:0.00} | {idle:0.000} | {(cpu - idle * wall) / count * 1e6:0.00} |"));
        }

        broker.StandardInput.Close();
        await broker.WaitForExitAsync();
        return 0;
    }

    private static async Task<int> RunWithServerGcAsync(string[] args)
    {
        var start = ChildProcess.StartInfo(args);
        start.Environment["DOTNET_gcServer"] = "1";
        using var child = Process.Start(start) ?? throw new InvalidOperationException("Could not start the benchmark with the server garbage collector.");
        await child.WaitForExitAsync();
        return child.ExitCode;
    }

    /// <summary>Product events over 2,000 products as the repartitioner writes them: keyed by product, source position in headers.</summary>
    internal static void ProduceProductEvents(string bootstrap, string topic, int from, int count)
    {
        using var producer = new KafkaClients(Options.Create(new KafkaOptions { BootstrapServers = bootstrap })).CreateProducer("profiles-cpu-input");
        var random = new Random(from);
        var start = DateTimeOffset.UtcNow;
        var stopwatch = Stopwatch.StartNew();
        string[] types = [EventTypes.ProductView, EventTypes.ProductView, EventTypes.ProductView, EventTypes.ProductView, EventTypes.WishlistAdd, EventTypes.BookingConfirmed, EventTypes.BookingCancelled];
        for (var i = from; i < from + count; i++)
        {
            var at = start + stopwatch.Elapsed - TimeSpan.FromMilliseconds(random.Next(2000));
            var type = types[random.Next(types.Length)];
            var user = "u" + random.Next(20_000).ToString(CultureInfo.InvariantCulture);
            var product = "p" + random.Next(2_000).ToString(CultureInfo.InvariantCulture);
            var money = type is EventTypes.BookingConfirmed or EventTypes.BookingCancelled;
            var e = new AppEvent("b" + i.ToString(CultureInfo.InvariantCulture), type, user, "s-" + user, product, at, "ios", "KR", "Seoul",
                money ? 12_000 : null, money ? "KRW" : null, at, "tour");
            // One events partition per 6 records in turn, offsets rising: as the repartitioner reads them.
            producer.Send(topic, product, JsonSerializer.SerializeToUtf8Bytes(e, EventJsonContext.Default.AppEvent), new SourcePosition(i % 6, i).ToHeaders(), at);
        }

        producer.FlushAndThrowIfFailed(TimeSpan.FromSeconds(120));
    }

    /// <summary>The profiles service as it runs (web host, silo, consumer), in this process.</summary>
    private sealed class ProfilesSilo : Contender
    {
        private readonly WebApplication app;

        private ProfilesSilo(KafkaOptions kafka, WebApplication app) : base(kafka, [("profiles", Topics.ProductEvents)]) => this.app = app;

        public static ProfilesSilo Start(KafkaOptions kafka, string redis)
        {
            var builder = WebApplication.CreateBuilder();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Urls"] = "http://127.0.0.1:0",
                ["Kafka:BootstrapServers"] = kafka.BootstrapServers,
                ["Kafka:TopicPrefix"] = kafka.TopicPrefix,
                ["Orleans:Redis"] = redis,
                ["Orleans:ClusterId"] = "bench-" + kafka.TopicPrefix.TrimEnd('.'),
                ["Orleans:SiloPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
                ["Orleans:GatewayPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
            });
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.AddServiceDefaults();
            builder.AddProfiles();
            var app = builder.Build();
            app.MapServiceDefaults();
            app.MapProfileEndpoints();
            app.StartAsync().GetAwaiter().GetResult();
            return new ProfilesSilo(kafka, app);
        }

        public (long Feeds, long Writes, long Changes, long Applied) Counters()
        {
            var status = app.Services.GetRequiredService<ProfilesStatus>();
            return (status.Feeds, status.StateWrites, status.ChangesEmitted, status.EventsApplied);
        }

        public override void Dispose()
        {
            app.StopAsync().GetAwaiter().GetResult();
            ((IDisposable)app).Dispose();
        }
    }
}
