using System.Diagnostics;
using System.Globalization;
using Streaming.Kafka;

namespace Streaming.Benchmarks.Peers;

/// <summary>
/// `./run bench peers [events]`: bookings per product per minute computed by our runtime (the fleet's bookings
/// topology) and by Streamiz.Kafka.Net on the same input on the local Kafka, in one run. The local Kafka runs in a
/// child process (as in kafka-cpu), each contender in another (<see cref="ContenderProcess"/>); this process produces
/// the input and knows the truth. Every input has topics of its own. Per contender:
/// - warm-up: a tenth of the events, consumed, committed, then idle while windows close;
/// - in order, as fast as produced (a backlog): each partition's event times rise; the contender's CPU from the first
///   record produced until it has committed the last (the same for a plain consume loop, measured before and after
///   the others: the baseline);
/// - in order at a pace: event time runs <see cref="SpeedUp"/> times faster than the wall clock;
/// - out of order at that pace: each event up to 80 % of the grace older than its place (never late for a watermark per
///   input partition);
/// - kill -9 at that pace: SIGKILL 1.5 s after the contender has committed 40 % of the input, restart, finish (its CPU:
///   both processes', the second's start-up and restore included).
/// After each, its results are read until they equal the truth or stop changing for <see cref="Settle"/>.
/// </summary>
public static class PeersBenchmark
{
    private const int Partitions = 24;

    /// <summary>How long results must stay unchanged before a contender's answer counts as final.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    /// <summary>Paced inputs: event time runs this many times faster than the wall clock (five minutes in 30 s).</summary>
    private const double SpeedUp = 10;

    /// <summary>After the contender starts and before the input arrives: its group joined and its tasks assigned.</summary>
    private static readonly TimeSpan Joined = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Skip(1).FirstOrDefault(a => a.All(char.IsAsciiDigit)) is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 200_000;
        using var broker = KafkaCpuBenchmark.StartBroker();
        var bootstrap = await broker.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("The broker process printed nothing.");
        var stateRoot = Directory.CreateTempSubdirectory("streaming-peers-").FullName;
        Console.WriteLine($"local Kafka at {bootstrap} (child process {broker.Id}); {count:N0} events per input, {Partitions} partitions; grace {ContenderProcess.Metrics.Grace.TotalSeconds:0} s");

        async Task CreateTopicsAsync(ContenderKind kind, string prefix)
        {
            var lines = new List<string> { prefix + " 0 0" }; // the fleet's topics under the prefix (no events)
            if (kind == ContenderKind.Streamiz)
            {
                lines.AddRange(StreamizBookings.InternalTopics(prefix).Select(t => $"create {t} {Partitions}"));
                lines.Add($"create {prefix}{StreamizBookings.OutputTopic} {StreamizBookings.OutputPartitions}");
            }

            foreach (var line in lines)
            {
                await broker.StandardInput.WriteLineAsync(line);
                await broker.StandardInput.FlushAsync();
                _ = await broker.StandardOutput.ReadLineAsync();
            }
        }

        var rows = new List<Row>();
        var contenders = new[] { ("plain consume loop", ContenderKind.Plain), ("our runtime (bookings topology)", ContenderKind.Ours), ("Streamiz.Kafka.Net 1.8.2", ContenderKind.Streamiz), ("plain consume loop (again)", ContenderKind.Plain) };
        for (var c = 0; c < contenders.Length; c++)
        {
            var (name, kind) = contenders[c];
            var tag = string.Create(CultureInfo.InvariantCulture, $"c{c}.");
            var row = new Row(name, kind);
            rows.Add(row);
            var child = ContenderProcess.Start(kind, bootstrap, stateRoot);

            // One input on topics of its own: the contender started on them, the input produced (at a pace or not), with
            // a SIGKILL and a restart when 40 % is committed; the CPU from the first record produced to the last commit.
            async Task<(Exactness? Result, double Cpu, double Wall)> RunAsync(string scenario, BookingsInput input, double? speedUp = null, bool kill = false, bool results = true)
            {
                var prefix = tag + scenario + ".";
                var kafka = Options(bootstrap, prefix);
                await CreateTopicsAsync(kind, prefix);
                await child.BeginAsync(prefix);
                await Task.Delay(Joined);
                var (cpu, spent, wall) = (child.Cpu, TimeSpan.Zero, Stopwatch.StartNew());
                var producing = Task.Run(() => input.Produce(kafka, prefix + Topics.Events, speedUp));
                if (kill)
                {
                    Contender.WaitUntilCommitted(kafka, ContenderProcess.Stages(kind, prefix).Take(1), records: input.Count * 4L / 10);
                    await Task.Delay(TimeSpan.FromSeconds(1.5));
                    spent = child.Cpu - cpu;
                    child.Kill();
                    child.Dispose();
                    Console.WriteLine($"{name}: {scenario}: killed (SIGKILL) 1.5 s after it had committed 40 % of the input; restarting");
                    child = ContenderProcess.Start(kind, bootstrap, stateRoot);
                    cpu = TimeSpan.Zero; // the new process's start-up and restore are charged too
                    await child.BeginAsync(prefix);
                }

                await producing;
                Contender.WaitUntilCommitted(kafka, ContenderProcess.Stages(kind, prefix));
                var (used, took) = ((spent + child.Cpu - cpu).TotalSeconds, wall.Elapsed.TotalSeconds);
                Exactness? result = null;
                if (results)
                {
                    result = Final(kind, kafka, input.Truth());
                }
                else
                {
                    await Task.Delay(ContenderProcess.Metrics.IdleTimeout + TimeSpan.FromSeconds(3)); // windows close meanwhile
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {scenario}: {result?.ToString() ?? "-"}; {used:0.00} CPU s in {took:0.00} s"));
                await child.EndAsync();
                return (result, used, took);
            }

            try
            {
                // Warm-up: the same paths as measured (counting, commits, closing windows), idle until windows close.
                var warm = BookingsInput.Create(Math.Max(1_000, count / 10), TimeSpan.Zero, seed: 1, TimeProvider.System);
                _ = await RunAsync("warm-up", warm, results: false);
                (row.InOrder, row.CpuSeconds, row.WallSeconds) = await RunAsync("in-order", BookingsInput.Create(count, TimeSpan.Zero, seed: 2, TimeProvider.System), results: kind != ContenderKind.Plain);
                if (kind != ContenderKind.Plain)
                {
                    (row.Paced, _, _) = await RunAsync("in-order-paced", BookingsInput.Create(count, TimeSpan.Zero, seed: 3, TimeProvider.System), speedUp: SpeedUp);
                    (row.OutOfOrder, _, _) = await RunAsync("out-of-order-paced", BookingsInput.Create(count, ContenderProcess.Metrics.Grace * 0.8, seed: 4, TimeProvider.System), speedUp: SpeedUp);
                    (row.Killed, _, _) = await RunAsync("kill-paced", BookingsInput.Create(count, TimeSpan.Zero, seed: 5, TimeProvider.System), speedUp: SpeedUp, kill: true);
                }
            }
            finally
            {
                child.Dispose();
            }
        }

        PrintTable(rows, count);
        broker.StandardInput.Close(); // The local Kafka stops when its input closes.
        await broker.WaitForExitAsync();
        Directory.Delete(stateRoot, recursive: true);
        return 0;
    }

    private static KafkaOptions Options(string bootstrap, string prefix) => new() { BootstrapServers = bootstrap, TopicPrefix = prefix };

    /// <summary>The contender's results once they equal the truth or stop changing, compared with the truth.</summary>
    private static Exactness Final(ContenderKind kind, KafkaOptions kafka, BookingCounts truth)
    {
        using var reader = ResultReader.For(kind, kafka);
        var unchanged = Stopwatch.StartNew();
        while (true)
        {
            if (reader.CatchUp())
            {
                unchanged.Restart();
            }

            var exactness = truth.Compare(reader.Counts());
            if (exactness.Exact || unchanged.Elapsed > Settle)
            {
                return exactness;
            }

            Thread.Sleep(500); // Polls the result topic; the benchmark, not a test, waits this way.
        }
    }

    private static void PrintTable(List<Row> rows, int count)
    {
        var plain = rows.Where(r => r.Kind == ContenderKind.Plain).Average(r => r.CpuSeconds);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| contender | CPU s per 1M events | × plain loop (mean of both runs) | in order, as fast as produced | in order, {SpeedUp:0}× live pace | out of order within the grace, {SpeedUp:0}× | kill -9 mid-run and restart, {SpeedUp:0}× |"));
        Console.WriteLine("|---|---:|---:|---|---|---|---|");
        foreach (var r in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Name} | {r.CpuSeconds / count * 1e6:0.00} | {r.CpuSeconds / plain:0.00} | {Cell(r.InOrder)} | {Cell(r.Paced)} | {Cell(r.OutOfOrder)} | {Cell(r.Killed)} |"));
        }
    }

    private static string Cell(Exactness? exactness) => exactness?.ToString() ?? "–";

    private sealed class Row(string name, ContenderKind kind)
    {
        public string Name { get; } = name;

        public ContenderKind Kind { get; } = kind;

        public double CpuSeconds { get; set; }

        public double WallSeconds { get; set; }

        public Exactness? InOrder { get; set; }

        public Exactness? Paced { get; set; }

        public Exactness? OutOfOrder { get; set; }

        public Exactness? Killed { get; set; }
    }
}
