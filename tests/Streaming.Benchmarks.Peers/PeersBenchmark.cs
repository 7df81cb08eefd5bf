using System.Diagnostics;
using System.Globalization;
using Streaming.Kafka;

namespace Streaming.Benchmarks.Peers;

/// <summary>
/// `./run bench peers [events]`: bookings per product per minute computed by our runtime (the fleet's bookings
/// topology) and by Streamiz.Kafka.Net on the same input on the local Kafka, in one run. The local Kafka runs in a
/// child process (as in kafka-cpu), each contender in another (<see cref="ContenderProcess"/>); this process produces
/// the input and knows the truth. Per contender:
/// - warm-up: a tenth of the events on topics of their own, consumed and committed, then idle until windows close;
/// - in order: each partition's event times rise; the contender's CPU from the first record produced until it has
///   committed the last (the same for a plain consume loop, measured before and after the others: the baseline);
/// - out of order: each event up to 80 % of the grace older than its place (never late for a per-partition watermark);
/// - kill -9: in-order input; SIGKILL when the contender has committed 40 % and run 1.5 s more, restart, finish.
/// After each, its results are read until they equal the truth or stop changing for <see cref="Settle"/>.
/// </summary>
public static class PeersBenchmark
{
    private const int Partitions = 24;

    /// <summary>How long results must stay unchanged before a contender's answer counts as final.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(15);

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
            try
            {
                // Warm-up: the same paths as measured (counting, commits, closing windows), on topics of its own.
                var warm = tag + "warm.";
                await CreateTopicsAsync(kind, warm);
                BookingsInput.Create(Math.Max(1_000, count / 10), TimeSpan.Zero, seed: 1, TimeProvider.System).Produce(Options(bootstrap, warm), warm + Topics.Events);
                await child.BeginAsync(warm);
                Contender.WaitUntilCommitted(Options(bootstrap, warm), ContenderProcess.Stages(kind, warm));
                await Task.Delay(ContenderProcess.Metrics.IdleTimeout + TimeSpan.FromSeconds(3));
                await child.EndAsync();

                // In order, with the CPU measured.
                var prefix = tag + "in-order.";
                await CreateTopicsAsync(kind, prefix);
                var input = BookingsInput.Create(count, TimeSpan.Zero, seed: 2, TimeProvider.System);
                await child.BeginAsync(prefix);
                await Task.Delay(Joined);
                var (cpu, wall) = (child.Cpu, Stopwatch.StartNew());
                input.Produce(Options(bootstrap, prefix), prefix + Topics.Events);
                Contender.WaitUntilCommitted(Options(bootstrap, prefix), ContenderProcess.Stages(kind, prefix));
                (row.CpuSeconds, row.WallSeconds) = ((child.Cpu - cpu).TotalSeconds, wall.Elapsed.TotalSeconds);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {row.CpuSeconds:0.00} CPU s in {row.WallSeconds:0.00} s for {count:N0} events"));
                if (kind != ContenderKind.Plain)
                {
                    row.InOrder = Final(kind, Options(bootstrap, prefix), input.Truth());
                    Console.WriteLine($"{name}: in order: {row.InOrder}");
                }

                await child.EndAsync();
                if (kind == ContenderKind.Plain)
                {
                    continue;
                }

                prefix = tag + "out-of-order.";
                await CreateTopicsAsync(kind, prefix);
                input = BookingsInput.Create(count, ContenderProcess.Metrics.Grace * 0.8, seed: 3, TimeProvider.System);
                await child.BeginAsync(prefix);
                input.Produce(Options(bootstrap, prefix), prefix + Topics.Events);
                Contender.WaitUntilCommitted(Options(bootstrap, prefix), ContenderProcess.Stages(kind, prefix));
                row.OutOfOrder = Final(kind, Options(bootstrap, prefix), input.Truth());
                Console.WriteLine($"{name}: out of order within the grace: {row.OutOfOrder}");
                await child.EndAsync();

                prefix = tag + "kill.";
                await CreateTopicsAsync(kind, prefix);
                input = BookingsInput.Create(count, TimeSpan.Zero, seed: 4, TimeProvider.System);
                input.Produce(Options(bootstrap, prefix), prefix + Topics.Events);
                await child.BeginAsync(prefix);
                Contender.WaitUntilCommitted(Options(bootstrap, prefix), ContenderProcess.Stages(kind, prefix).Take(1), share: 0.4);
                await Task.Delay(TimeSpan.FromSeconds(1.5));
                child.Kill();
                child.Dispose();
                Console.WriteLine($"{name}: killed (SIGKILL) after committing 40 % of the input; restarting");
                child = ContenderProcess.Start(kind, bootstrap, stateRoot);
                await child.BeginAsync(prefix);
                Contender.WaitUntilCommitted(Options(bootstrap, prefix), ContenderProcess.Stages(kind, prefix));
                row.Killed = Final(kind, Options(bootstrap, prefix), input.Truth());
                Console.WriteLine($"{name}: kill -9 and restart: {row.Killed}");
                await child.EndAsync();
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
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| contender | CPU s per 1M events | × plain loop (mean of both runs) | in order | out of order within the grace | kill -9 mid-run, restarted |"));
        Console.WriteLine("|---|---:|---:|---|---|---|");
        foreach (var r in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Name} | {r.CpuSeconds / count * 1e6:0.00} | {r.CpuSeconds / plain:0.00} | {r.InOrder?.ToString() ?? "–"} | {r.OutOfOrder?.ToString() ?? "–"} | {r.Killed?.ToString() ?? "–"} |"));
        }
    }

    private sealed class Row(string name, ContenderKind kind)
    {
        public string Name { get; } = name;

        public ContenderKind Kind { get; } = kind;

        public double CpuSeconds { get; set; }

        public double WallSeconds { get; set; }

        public Exactness? InOrder { get; set; }

        public Exactness? OutOfOrder { get; set; }

        public Exactness? Killed { get; set; }
    }
}
