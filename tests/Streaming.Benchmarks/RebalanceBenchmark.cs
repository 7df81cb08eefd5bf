using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Streaming.Kafka;
using Streaming.LocalServers;

namespace Streaming.Benchmarks;

/// <summary>
/// `./run bench rebalance [MEMBERS]`: how long the other members of a consumer group stop consuming when one joins
/// and when one leaves, eager (range) against cooperative-sticky and KIP-848, in one run. For each protocol a group
/// of plain consume loops (the fleet's consumer settings: offsets stored per record, committed by the client in the
/// background) reads a 12-partition topic with steady traffic; a new member joins, then one of the first leaves
/// cleanly. A member's pause is the longest gap between two records it consumed from the moment of the join (or
/// leave) until the group has settled and every member consumes again, plus two seconds.
/// </summary>
public static class RebalanceBenchmark
{
    private const int Partitions = 12;
    private const int RecordsPerSecond = 3_000;
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(40);
    private static readonly TimeSpan Tail = TimeSpan.FromSeconds(2);
    private static readonly long TailTicks = (long)(Tail.TotalSeconds * Stopwatch.Frequency);

    public static int Run(string[] args)
    {
        var members = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        using var cluster = LocalKafkaCluster.Start(1, new Dictionary<string, int>());
        var protocols = new (string Name, Func<KafkaClients, string, string, ConsumerConfig> Config)[]
        {
            ("eager (range)", (k, g, c) => Eager(k.CreateConsumerConfig(g, c))),
            ("cooperative-sticky", (k, g, c) => k.CreateConsumerConfig(g, c)),
            ("KIP-848 (consumer)", (k, g, c) => new KafkaClients(Options.Create(With(k.Options, GroupProtocol.Consumer))).CreateConsumerConfig(g, c)),
        };
        Console.WriteLine($"local Kafka at {cluster.BootstrapServers}; {members} members, then one joins and one leaves; {Partitions} partitions, {RecordsPerSecond:N0} records/s");
        var results = new List<(string Name, TimeSpan Steady, Phase Join, Phase Leave)>();
        foreach (var (name, config) in protocols)
        {
            var kafka = new KafkaClients(Options.Create(new KafkaOptions { BootstrapServers = cluster.BootstrapServers, TopicPrefix = $"r{results.Count}." }));
            var topic = kafka.Options.Name("rebalance");
            cluster.CreateTopic(topic, Partitions);
            using var traffic = new Traffic(kafka, topic);
            var group = new List<Member>();
            try
            {
                for (var i = 0; i < members; i++)
                {
                    group.Add(new Member(config(kafka, "rebalance", "member-" + i), topic));
                }

                WaitUntilSettled(group, name + ": first members");
                var steadyFrom = Stopwatch.GetTimestamp();
                Thread.Sleep(TimeSpan.FromSeconds(3)); // Steady state before the join: the benchmark paces, no test waits here.

                var joinAt = Stopwatch.GetTimestamp();
                var steady = group.Max(m => m.LongestGap(steadyFrom, joinAt));
                var newcomer = new Member(config(kafka, "rebalance", "member-" + members), topic);
                group.Add(newcomer);
                var joinSettled = WaitUntilSettled(group, name + ": join") + TailTicks;
                Thread.Sleep(Tail);
                var join = new Phase(
                    [.. group[..members].Select(m => m.LongestGap(joinAt, joinSettled))],
                    Stopwatch.GetElapsedTime(joinAt, newcomer.FirstRecordAt));

                var leaving = group[0];
                group.RemoveAt(0);
                var leaveAt = Stopwatch.GetTimestamp();
                leaving.Dispose();
                var leaveSettled = WaitUntilSettled(group, name + ": leave") + TailTicks;
                Thread.Sleep(Tail);
                var leave = new Phase([.. group.Select(m => m.LongestGap(leaveAt, leaveSettled))], null);
                results.Add((name, steady, join, leave));
                Console.WriteLine($"  {name}: done");
            }
            finally
            {
                foreach (var member in group)
                {
                    member.Dispose();
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine("longest gap between consumed records (s) of each member already running: in 3 s of steady state, around a join, around a leave;");
        Console.WriteLine("newcomer: from its start to its first record");
        Console.WriteLine($"{"protocol",-20} {"steady",-8} {"join: others' pause",-34} {"newcomer",-10} {"leave: others' pause",-34}");
        foreach (var (name, steady, join, leave) in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-20} {steady.TotalSeconds,-8:0.000} {join.Summary,-34} {join.FirstRecord?.TotalSeconds,-10:0.000} {leave.Summary,-34}"));
        }

        return 0;
    }

    private static ConsumerConfig Eager(ConsumerConfig config)
    {
        config.PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range;
        return config;
    }

    private static KafkaOptions With(KafkaOptions options, GroupProtocol protocol) => new()
    {
        BootstrapServers = options.BootstrapServers,
        TopicPrefix = options.TopicPrefix,
        SessionTimeoutMs = options.SessionTimeoutMs,
        GroupProtocol = protocol,
    };

    /// <summary>Every partition owned and every member consuming since its assignment last changed; returns when.</summary>
    private static long WaitUntilSettled(List<Member> group, string what)
    {
        var deadline = DateTime.UtcNow + SettleTimeout;
        while (true)
        {
            var now = Stopwatch.GetTimestamp();
            if (group.Sum(m => m.Owned) == Partitions && group.All(m => m.Owned > 0 && m.ConsumedSinceAssignmentChanged))
            {
                return now;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what}: the group did not settle within {SettleTimeout.TotalSeconds:0} s ({string.Join(", ", group.Select(m => m.Owned))} partitions).");
            }

            Thread.Sleep(20);
        }
    }

    /// <summary>Per member already running: the longest pause; the newcomer's wait for its first record.</summary>
    private sealed record Phase(IReadOnlyList<TimeSpan> Pauses, TimeSpan? FirstRecord)
    {
        public string Summary => string.Create(CultureInfo.InvariantCulture,
            $"max {Pauses.Max().TotalSeconds:0.000} ({string.Join(", ", Pauses.Select(p => p.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)))})");
    }

    /// <summary>Steady traffic to every partition in turn.</summary>
    private sealed class Traffic : IDisposable
    {
        private readonly CancellationTokenSource stop = new();
        private readonly Thread thread;

        public Traffic(KafkaClients kafka, string topic)
        {
            thread = new Thread(() => Run(kafka, topic)) { IsBackground = true };
            thread.Start();
        }

        private void Run(KafkaClients kafka, string topic)
        {
            using var producer = kafka.CreateProducer("rebalance-traffic");
            var value = new byte[100];
            var clock = Stopwatch.StartNew();
            for (var sent = 0L; !stop.IsCancellationRequested; sent++)
            {
                producer.Send(new TopicPartition(topic, (int)(sent % Partitions)), null, value);
                var ahead = TimeSpan.FromSeconds(sent / (double)RecordsPerSecond) - clock.Elapsed;
                if (ahead > TimeSpan.FromMilliseconds(5))
                {
                    Thread.Sleep(ahead); // Paces the traffic; a load generator, not a test.
                }
            }
        }

        public void Dispose()
        {
            stop.Cancel();
            thread.Join();
        }
    }

    /// <summary>A plain consume loop on its own thread that notes when it consumed each record.</summary>
    private sealed class Member : IDisposable
    {
        private readonly CancellationTokenSource stop = new();
        private readonly Thread thread;
        private readonly Lock gate = new();
        private readonly List<long> consumedAt = new(1 << 18);
        private long assignmentChangedAt = Stopwatch.GetTimestamp();
        private int owned;
        private bool assignmentChanged;

        public Member(ConsumerConfig config, string topic)
        {
            // The mock broker holds a fetch that finds no new data for the whole wait: 500 ms by default would be the
            // resolution of every gap measured here.
            config.FetchWaitMaxMs = 50;
            thread = new Thread(() => Run(config, topic)) { IsBackground = true };
            thread.Start();
        }

        public int Owned => Volatile.Read(ref owned);

        public long FirstRecordAt { get; private set; }

        public bool ConsumedSinceAssignmentChanged
        {
            get
            {
                lock (gate)
                {
                    return consumedAt.Count > 0 && consumedAt[^1] > assignmentChangedAt;
                }
            }
        }

        /// <summary>The longest time without a consumed record between <paramref name="from"/> and <paramref name="to"/>.</summary>
        public TimeSpan LongestGap(long from, long to)
        {
            lock (gate)
            {
                var longest = 0L;
                var previous = from;
                foreach (var at in consumedAt.Where(t => t > from && t <= to))
                {
                    longest = Math.Max(longest, at - previous);
                    previous = at;
                }

                longest = Math.Max(longest, to - previous);
                return Stopwatch.GetElapsedTime(0, longest);
            }
        }

        private void Run(ConsumerConfig config, string topic)
        {
            using var consumer = new ConsumerBuilder<string, byte[]>(config)
                .SetPartitionsAssignedHandler((_, _) => Changed())
                .SetPartitionsRevokedHandler((_, _) => Changed())
                .SetPartitionsLostHandler((_, _) => Changed())
                .Build();
            consumer.Subscribe(topic);
            while (!stop.IsCancellationRequested)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } record)
                {
                    var now = Stopwatch.GetTimestamp();
                    lock (gate)
                    {
                        consumedAt.Add(now);
                    }

                    if (FirstRecordAt == 0)
                    {
                        FirstRecordAt = now;
                    }

                    consumer.StoreOffset(record);
                }

                if (assignmentChanged)
                {
                    assignmentChanged = false;
                    Volatile.Write(ref owned, consumer.Assignment.Count);
                }
            }

            consumer.Close();
        }

        // The handlers run before the client applies the change: the loop reads the assignment once Consume returned.
        private void Changed()
        {
            lock (gate)
            {
                assignmentChangedAt = Stopwatch.GetTimestamp();
            }

            assignmentChanged = true;
        }

        public void Dispose()
        {
            stop.Cancel();
            thread.Join();
        }
    }
}
