using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.LocalServers;
using Streaming.Metrics;
using Streaming.Metrics.Bookings;
using Streaming.Metrics.ConcurrentUsers;
using Streaming.Metrics.Popularity;
using Streaming.Metrics.ProductEvents;
using Streaming.Topology;
using Streaming.Topology.Kafka;

namespace Streaming.Benchmarks;

/// <summary>
/// `./run bench kafka-cpu [events]`: CPU-seconds per million events of the aggregator's topologies against a plain
/// consume loop, in one run. The local Kafka runs in a child process, which also produces the events, so neither is
/// charged to the contenders. Each contender gets topics of its own (a topic prefix), is started and warmed up on a
/// first batch, then charged the CPU time this process used while it consumed the main batch and committed it
/// (checkpoints and result production included; start-up and checkpoint restore are not).
/// `./run bench kafka-cpu [events] tracing` runs each topology three times instead: without a listener, traced (an
/// OpenTelemetry tracer provider sampling every span of the fleet's sources, with a processor that only counts them),
/// and without again; it prints traced ÷ the mean of the untraced runs, the CPU tracing adds per event. Input events carry a traceparent either way, as ingest's do
/// (one context per 100 events, like a request). `only=WORD` runs only the topologies whose name contains WORD
/// (e.g. `only=popularity`), between the two plain loops.
/// </summary>
public static class KafkaCpuBenchmark
{
    private const int EventPartitions = 24;
    private const int Round = 200_000; // The local Kafka keeps 5 MiB per partition: room for ~300k events in 24.

    /// <summary>
    /// Warm-up batches, each consumed and committed (so each includes a checkpoint) before the next. The first is stamped
    /// two minutes earlier, so that the next closes its windows: every path a topology takes in its steady state
    /// (counting, checkpoints, closing windows and writing their results) runs before the measurement. With one batch
    /// of the current minute, a topology compiled its whole result path during the measurement, a few hundred methods
    /// (the line of each contender says how many).
    /// </summary>
    private const int WarmUpBatches = 3;

    private const int FirstWarmUpAgeSeconds = 120;

    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Skip(1).FirstOrDefault(a => a.All(char.IsAsciiDigit)) is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 1_000_000;
        var tracing = args.Contains("tracing");
        var warmUp = Math.Max(1_000, count / 20);
        using var broker = StartBroker();
        var bootstrap = await broker.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("The broker process printed nothing.");
        Console.WriteLine($"local Kafka at {bootstrap} (child process {broker.Id}); {WarmUpBatches} × {warmUp:N0} warm-up and {count:N0} measured events per contender, {EventPartitions} partitions");

        async Task ProduceAsync(string prefix, int from, int n, int ageSeconds = 0)
        {
            await broker.StandardInput.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{prefix} {from} {n} age={ageSeconds}"));
            await broker.StandardInput.FlushAsync();
            _ = await broker.StandardOutput.ReadLineAsync();
        }

        var options = new MetricOptions { GroupPrefix = "bench" };
        var topologies = new List<(string Name, Func<KafkaOptions, bool, Contender> Start)>
        {
            ("concurrent-users topology", (k, traced) => TopologyHost.Start(k, s => s.AddWindowedTopology(_ => ConcurrentUsersTopology.Define(options)), [(options.TopologyName(ConcurrentUsersTopology.Metric), Topics.Events)], traced)),
            ("bookings topology", (k, traced) => TopologyHost.Start(k, s => s.AddWindowedTopology(_ => BookingsTopology.Define(options)), [(options.TopologyName(BookingsTopology.Metric), Topics.Events)], traced)),
            // The product-events stage and popularity together: the repartition and the windows, as before they were split.
            ("popularity topology (product-events stage + windows)", (k, traced) => TopologyHost.Start(k,
                s => s.AddRepartitionTopology(_ => ProductEventsTopology.Define(options)).AddWindowedTopology(_ => PopularityTopology.Define(options)),
                [(ProductEventsTopology.Define(options).ConsumerGroup, Topics.Events), (options.TopologyName(PopularityTopology.Metric), Topics.ProductEvents)], traced)),
        };
        if (args.FirstOrDefault(a => a.StartsWith("only=", StringComparison.Ordinal)) is { } only)
        {
            topologies.RemoveAll(t => !t.Name.Contains(only["only=".Length..], StringComparison.Ordinal));
        }

        var contenders = new List<(string Name, Func<KafkaOptions, Contender> Start)> { ("plain consume loop", k => PlainLoop.Start(k)) };
        foreach (var (name, start) in topologies)
        {
            contenders.Add((name, k => start(k, false)));
            if (tracing)
            {
                // Untraced before and after, as the plain loop: the later of two runs tends to be cheaper (a warmer process).
                contenders.Add((name + ", traced", k => start(k, true)));
                contenders.Add((name + " (again)", k => start(k, false)));
            }
        }

        contenders.Add(("plain consume loop (again)", k => PlainLoop.Start(k)));

        var results = new List<(string Name, double CpuSeconds, double WallSeconds)>();
        for (var i = 0; i < contenders.Count; i++)
        {
            var prefix = $"c{i}.";
            await ProduceAsync(prefix, 0, warmUp, FirstWarmUpAgeSeconds);
            using var contender = contenders[i].Start(new KafkaOptions { BootstrapServers = bootstrap, TopicPrefix = prefix });
            contender.WaitUntilCommitted();
            for (var batch = 1; batch < WarmUpBatches; batch++)
            {
                await ProduceAsync(prefix, batch * warmUp, warmUp);
                contender.WaitUntilCommitted();
            }
            // Rounds keep the unread backlog below the local Kafka's 5 MiB per partition.
            var (used, wall) = (0.0, new Stopwatch());
            var (jitMethods, jitTime) = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
            var (gcPauses, collections, allocated) = (TimeSpan.Zero, 0, 0L);
            for (var produced = 0; produced < count; produced += Round)
            {
                var batch = Math.Min(Round, count - produced);
                GC.Collect();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var (paused, collected, bytes) = (GC.GetTotalPauseDuration(), GC.CollectionCount(0), GC.GetTotalAllocatedBytes());
                wall.Start();
                await ProduceAsync(prefix, (WarmUpBatches * warmUp) + produced, batch); // the child produces; the contender consumes meanwhile
                contender.WaitUntilCommitted();
                used += (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
                (gcPauses, collections, allocated) = (gcPauses + GC.GetTotalPauseDuration() - paused, collections + GC.CollectionCount(0) - collected, allocated + GC.GetTotalAllocatedBytes() - bytes);
                wall.Stop();
            }

            results.Add((contenders[i].Name, used, wall.Elapsed.TotalSeconds));
            // Compiling is part of the CPU charged: say how much of it happened while measuring (tiering up late code).
            (jitMethods, jitTime) = (System.Runtime.JitInfo.GetCompiledMethodCount() - jitMethods, System.Runtime.JitInfo.GetCompilationTime() - jitTime);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{contenders[i].Name}: {used:0.00} CPU s in {wall.Elapsed.TotalSeconds:0.00} s (meanwhile {jitMethods:N0} methods compiled in {jitTime.TotalSeconds:0.00} s; {(double)allocated / count:N0} bytes allocated per event, {collections:N0} collections pausing {gcPauses.TotalSeconds:0.00} s)"));
        }

        var baseline = (results[0].CpuSeconds + results[^1].CpuSeconds) / 2;
        Console.WriteLine();
        Console.WriteLine("| contender | CPU s | wall s | CPU s per 1M events | × plain loop (mean of both runs) |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var (name, cpu, wall) in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {cpu:0.00} | {wall:0.00} | {cpu / count * 1e6:0.00} | {cpu / baseline:0.00} |"));
        }

        if (tracing)
        {
            Console.WriteLine();
            Console.WriteLine("| topology | CPU s per 1M events, untraced (mean of both runs) | traced | traced ÷ untraced |");
            Console.WriteLine("|---|---:|---:|---:|");
            foreach (var (name, _) in topologies)
            {
                var off = (results.Single(r => r.Name == name).CpuSeconds + results.Single(r => r.Name == name + " (again)").CpuSeconds) / 2;
                var on = results.Single(r => r.Name == name + ", traced").CpuSeconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {off / count * 1e6:0.00} | {on / count * 1e6:0.00} | {on / off:0.000} |"));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"spans recorded by the traced contenders: {TopologyHost.SpansRecorded:N0}"));
        }

        broker.StandardInput.Close(); // The child stops when its input closes.
        await broker.WaitForExitAsync();
        return 0;
    }

    /// <summary>
    /// The child process: a local Kafka. Each input line "prefix from count [age=SECONDS]" creates the prefix's topics if
    /// needed and produces events [from, from + count) to them, stamped that much before the wall clock, then answers
    /// "done"; "prefix from count product-events" produces
    /// product events to product-events instead, as the repartitioner writes them (<see cref="ProfilesCpuBenchmark"/>);
    /// "create topic partitions" creates one topic. Ends when its input closes.
    /// </summary>
    public static int RunBroker()
    {
        using var kafka = LocalKafkaCluster.Start(1, new Dictionary<string, int>());
        Console.WriteLine(kafka.BootstrapServers);
        Console.Out.Flush();
        var created = new HashSet<string>();
        while (Console.ReadLine() is { } line)
        {
            var parts = line.Split(' ');
            if (parts[0] == "create")
            {
                // "create TOPIC PARTITIONS": one topic of another program (Streamiz's internal topics, in the peers benchmark).
                kafka.CreateTopic(parts[1], int.Parse(parts[2], CultureInfo.InvariantCulture));
                Console.WriteLine("done");
                Console.Out.Flush();
                continue;
            }

            var prefix = parts[0];
            if (created.Add(prefix))
            {
                foreach (var (topic, partitions) in Topics.DefaultPartitions)
                {
                    kafka.CreateTopic(prefix + topic, topic is Topics.Events or Topics.ProductEvents ? EventPartitions : partitions);
                }
            }

            var (from, count) = (int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture));
            if (parts.Length > 3 && parts[3] == Topics.ProductEvents)
            {
                ProfilesCpuBenchmark.ProduceProductEvents(kafka.BootstrapServers, prefix + Topics.ProductEvents, from, count);
            }
            else
            {
                var age = parts.Length > 3 && parts[3].StartsWith("age=", StringComparison.Ordinal) ? int.Parse(parts[3]["age=".Length..], CultureInfo.InvariantCulture) : 0;
                Produce(kafka.BootstrapServers, prefix + Topics.Events, from, count, TimeSpan.FromSeconds(age));
            }

            Console.WriteLine("done");
            Console.Out.Flush();
        }

        return 0;
    }

    internal static Process StartBroker()
    {
        var start = ChildProcess.StartInfo("kafka-broker");
        (start.RedirectStandardInput, start.RedirectStandardOutput) = (true, true);
        return Process.Start(start) ?? throw new InvalidOperationException("Could not start the broker process.");
    }

    /// <summary>Users' events as they happen, keyed by user.</summary>
    private static void Produce(string bootstrap, string topic, int from, int count, TimeSpan age)
    {
        using var producer = new KafkaClients(Options.Create(new KafkaOptions { BootstrapServers = bootstrap })).CreateProducer("kafka-cpu-input");
        var random = new Random(from);
        // Live traffic: stamped with the wall clock (a little disorder), so that the pauses between rounds, which move
        // idle watermarks with the clock, do not make the next round late.
        var start = DateTimeOffset.UtcNow - age;
        var stopwatch = Stopwatch.StartNew();
        string[] types = [EventTypes.ProductView, EventTypes.ProductView, EventTypes.ProductView, EventTypes.Search, EventTypes.AppOpen, EventTypes.WishlistAdd, EventTypes.BookingConfirmed];
        Activity? request = null;
        for (var i = from; i < from + count; i++)
        {
            if ((i - from) % 100 == 0)
            {
                // Each 100 events share a producer context, as the events of one ingest request do.
                request?.Stop();
                request = new Activity("post events").SetIdFormat(ActivityIdFormat.W3C).Start();
                request.ActivityTraceFlags = ActivityTraceFlags.Recorded;
            }

            var at = start + stopwatch.Elapsed - TimeSpan.FromMilliseconds(random.Next(2000));
            var type = types[random.Next(types.Length)];
            var user = "u" + random.Next(20_000).ToString(CultureInfo.InvariantCulture);
            var product = type is EventTypes.Search or EventTypes.AppOpen ? null : "p" + random.Next(2_000).ToString(CultureInfo.InvariantCulture);
            var booking = type == EventTypes.BookingConfirmed;
            var e = new AppEvent("b" + i.ToString(CultureInfo.InvariantCulture), type, user, "s-" + user, product, at, "ios", "KR", "Seoul",
                booking ? 12_000 : null, booking ? "KRW" : null, at, product is null ? null : "tour");
            producer.Send(topic, user, JsonSerializer.SerializeToUtf8Bytes(e, EventJsonContext.Default.AppEvent));
        }

        request?.Stop();
        producer.FlushAndThrowIfFailed(TimeSpan.FromSeconds(120));
    }
}
