using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Streaming.Kafka;

namespace Streaming.Benchmarks.Push;

/// <summary>What the push benchmarks ask the broker: topic ends and a group's committed offsets, as a lag exporter would.</summary>
internal sealed class PushTopics(string bootstrap, IReadOnlyDictionary<string, int> partitions) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly KafkaClients clients = new(Options.Create(new KafkaOptions { BootstrapServers = bootstrap }));
    private readonly Dictionary<string, IConsumer<string, byte[]>> probes = [];
    private readonly Lock gate = new();

    public KafkaClients Clients => clients;

    /// <summary>Records ever written to the topic (sum of its partitions' high watermarks).</summary>
    public long End(string topic)
    {
        lock (gate)
        {
            var probe = Probe("push-bench-probe");
            return Partitions(topic).Sum(p => probe.QueryWatermarkOffsets(p, Timeout).High.Value);
        }
    }

    /// <summary>Blocks until <paramref name="group"/> has committed all of <paramref name="topic"/> as it is now.</summary>
    public async Task WaitUntilCommittedAsync(string group, string topic, TimeSpan timeout)
    {
        var end = End(topic);
        var deadline = DateTime.UtcNow + timeout;
        while (Committed(group, topic) < end)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{group} did not commit {topic} up to {end:N0} within {timeout.TotalSeconds:0} s (at {Committed(group, topic):N0}).");
            }

            await Task.Delay(100);
        }
    }

    public long Committed(string group, string topic)
    {
        lock (gate)
        {
            // A consumer that never subscribes only reads its group's committed offsets; it does not join the group.
            return Probe(group).Committed(Partitions(topic), Timeout).Sum(c => Math.Max(0, c.Offset.Value));
        }
    }

    public void Dispose()
    {
        foreach (var probe in probes.Values)
        {
            probe.Dispose();
        }
    }

    private IConsumer<string, byte[]> Probe(string group)
    {
        if (!probes.TryGetValue(group, out var probe))
        {
            probe = clients.CreateConsumerBuilder(group, "push-bench-probe").Build();
            probes[group] = probe;
        }

        return probe;
    }

    private List<TopicPartition> Partitions(string topic) => [.. Enumerable.Range(0, partitions[topic]).Select(p => new TopicPartition(topic, p))];
}
