using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Streaming.DevHost.Fleet;
using Streaming.Kafka;
using Streaming.Metrics;
using Streaming.Metrics.Bookings;
using Streaming.Metrics.ConcurrentUsers;
using Streaming.Metrics.Popularity;
using Streaming.Metrics.ProductEvents;
using Streaming.Topology;

namespace Streaming.Benchmarks.Load;

/// <summary>A consumer group of the fleet, the service it belongs to and the topic it reads.</summary>
internal sealed record GroupInput(string Service, string Group, string Topic);

/// <summary>
/// One sample at <paramref name="At"/> (Unix seconds): each group's lag (records not yet committed), each topic's end
/// (sum of high watermarks) and records held (sum of high minus low watermarks: the local Kafka drops the oldest), and
/// the groups whose committed offset the local Kafka has already dropped.
/// </summary>
internal sealed record LagSample(
    double At, IReadOnlyDictionary<string, long> Lag, IReadOnlyDictionary<string, long> End, IReadOnlyDictionary<string, long> Held, IReadOnlyList<string> BehindRetention);

/// <summary>
/// Samples every consumer group of the fleet once a second on its own thread: committed offsets against high
/// watermarks, asked of the broker as any lag exporter would. Windowing stages commit at each checkpoint (every 5 s),
/// so their lag is a saw-tooth; <see cref="LoadStep"/> reads its floor.
/// </summary>
internal sealed class ConsumerLagProbe : IDisposable
{
    // The services' defaults (Sink:GroupPrefix, and the names in Profiles' and PushTrigger's consumers).
    private const string SinkGroupPrefix = "clickhouse-sink";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly List<(GroupInput Input, IConsumer<string, byte[]> Consumer)> groups;
    private readonly string[] topics;
    private readonly List<LagSample> samples = [];
    private readonly Lock gate = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Thread thread;

    public ConsumerLagProbe(string bootstrap)
    {
        var clients = new KafkaClients(Options.Create(new KafkaOptions { BootstrapServers = bootstrap }));
        // A consumer that never subscribes only reads its group's committed offsets; it does not join the group.
        groups = [.. FleetGroups().Select(g => (g, clients.CreateConsumerBuilder(g.Group, "load-lag-probe").Build()))];
        topics = [.. groups.Select(g => g.Input.Topic).Append(Topics.LateEvents).Append(Topics.DeadLetter).Distinct()];
        thread = new Thread(Run) { IsBackground = true, Name = "lag probe" };
        thread.Start();
    }

    /// <summary>Every consumer group of the fleet: the aggregator's stages, the sink's tables, profiles and push trigger.</summary>
    public static IReadOnlyList<GroupInput> FleetGroups()
    {
        var options = new MetricOptions();
        return
        [
            .. Stages(ConcurrentUsersTopology.Define(options)),
            .. Stages(BookingsTopology.Define(options)),
            new GroupInput(LocalFleet.Aggregator, ProductEventsTopology.Define(options).ConsumerGroup, Topics.Events),
            .. Stages(PopularityTopology.Define(options)),
            .. MetricCatalog.SinkTables.Select(t => new GroupInput(LocalFleet.ClickHouseSink, SinkGroupPrefix + "." + t.Name, t.Topic)),
            new GroupInput(LocalFleet.Profiles, "profiles", Topics.ProductEvents),
            new GroupInput(LocalFleet.PushTrigger, "push-trigger", Topics.ProfileChanges),
        ];
    }

    public List<LagSample> Samples(double from, double to)
    {
        lock (gate)
        {
            return [.. samples.Where(s => s.At >= from && s.At < to)];
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        thread.Join();
        foreach (var (_, consumer) in groups)
        {
            consumer.Dispose();
        }

        stop.Dispose();
    }

    private static IEnumerable<GroupInput> Stages<TEvent, TKey, TValue>(WindowedTopology<TEvent, TKey, TValue> topology)
        where TEvent : class
        where TKey : notnull
    {
        if (topology.Source.Repartition is not null)
        {
            yield return new GroupInput(LocalFleet.Aggregator, topology.Source.AsRepartitionTopology().ConsumerGroup, topology.Source.Topic);
        }

        yield return new GroupInput(LocalFleet.Aggregator, topology.Name, topology.WindowInputTopic);
    }

    private void Run()
    {
        var probe = groups[0].Consumer;
        while (!stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(1)))
        {
            try
            {
                var at = LoadClock.Now();
                var marks = topics.ToDictionary(
                    t => t,
                    t => Enumerable.Range(0, Topics.DefaultPartitions[t]).Select(p => probe.QueryWatermarkOffsets(new TopicPartition(t, p), Timeout)).ToArray());
                var lag = new Dictionary<string, long>();
                var behind = new List<string>();
                foreach (var (input, consumer) in groups)
                {
                    var topicMarks = marks[input.Topic];
                    var committed = consumer.Committed(Enumerable.Range(0, topicMarks.Length).Select(p => new TopicPartition(input.Topic, p)), Timeout);
                    lag[input.Group] = committed.Sum(c => topicMarks[c.Partition.Value].High.Value
                        - (c.Offset.Value >= 0 ? c.Offset.Value : topicMarks[c.Partition.Value].Low.Value));
                    if (committed.Any(c => c.Offset.Value >= 0 && c.Offset.Value < topicMarks[c.Partition.Value].Low.Value))
                    {
                        behind.Add(input.Group); // a restart now would miss records: the local Kafka dropped them
                    }
                }

                var sample = new LagSample(
                    at, lag, marks.ToDictionary(m => m.Key, m => m.Value.Sum(w => w.High.Value)), marks.ToDictionary(m => m.Key, m => m.Value.Sum(w => w.High.Value - w.Low.Value)), behind);
                lock (gate)
                {
                    samples.Add(sample);
                }
            }
            catch (KafkaException)
            {
                // A slow answer under load: this second has no sample.
            }
        }
    }
}
