using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Streaming.Kafka;
using Streaming.Topology.Kafka;

namespace Streaming.Benchmarks;

/// <summary>Something that consumes the benchmark's topics and commits what it has processed.</summary>
public abstract class Contender(KafkaOptions kafka, (string Group, string Topic)[] stages) : IDisposable
{
    protected KafkaOptions Kafka { get; } = kafka;

    /// <summary>Blocks until each stage's group has committed the whole of its topic, in order.</summary>
    public void WaitUntilCommitted()
    {
        var clients = new KafkaClients(Options.Create(Kafka));
        var deadline = DateTime.UtcNow.AddMinutes(10);
        foreach (var (group, topic) in stages)
        {
            using var probe = clients.CreateConsumerBuilder(group, "bench-probe").Build();
            var partitions = Enumerable.Range(0, 24).Select(p => new TopicPartition(Kafka.Name(topic), p)).ToList();
            var end = partitions.Sum(tp => probe.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High.Value);
            while (probe.Committed(partitions, TimeSpan.FromSeconds(10)).Sum(c => Math.Max(0, c.Offset.Value)) < end)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"{group} did not commit the whole of {topic} within 10 minutes.");
                }

                Thread.Sleep(100); // Polls committed offsets; the benchmark, not a test, waits this way.
            }
        }
    }

    public abstract void Dispose();
}

/// <summary>The baseline: consume every record and commit, on its own thread; no parsing, no state.</summary>
public sealed class PlainLoop : Contender
{
    private readonly CancellationTokenSource stop = new();
    private readonly Thread thread;

    private PlainLoop(KafkaOptions kafka, string group) : base(kafka, [(group, Topics.Events)])
    {
        thread = new Thread(() => Run(group)) { IsBackground = true };
        thread.Start();
    }

    public static PlainLoop Start(KafkaOptions kafka) => new(kafka, "bench-plain");

    private void Run(string group)
    {
        var clients = new KafkaClients(Options.Create(Kafka));
        using var consumer = clients.CreateConsumerBuilder(group, "bench-plain").Build();
        consumer.Subscribe(Kafka.Name(Topics.Events));
        long bytes = 0;
        var nextCommit = DateTime.UtcNow;
        while (!stop.IsCancellationRequested)
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (record is { IsPartitionEOF: false })
            {
                bytes += record.Message.Value.Length;
                consumer.StoreOffset(record);
            }

            if (DateTime.UtcNow >= nextCommit)
            {
                // Every 5 s, as the topologies checkpoint and commit by default, so that both wait as long for the
                // last commit of a round and idle as long meanwhile.
                try
                {
                    consumer.Commit();
                }
                catch (KafkaException)
                {
                    // Nothing stored since the last commit.
                }

                nextCommit = DateTime.UtcNow.AddSeconds(5);
            }
        }

        consumer.Close();
        GC.KeepAlive(bytes);
    }

    public override void Dispose()
    {
        stop.Cancel();
        thread.Join();
        stop.Dispose();
    }
}

/// <summary>Topologies hosted as the aggregator hosts them.</summary>
public sealed class TopologyHost : Contender
{
    private readonly IHost host;

    private TopologyHost(KafkaOptions kafka, IHost host, (string, string)[] stages) : base(kafka, stages) => this.host = host;

    public static TopologyHost Start(KafkaOptions kafka, Action<IServiceCollection> register, (string Group, string Topic)[] stages)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(Options.Create(kafka));
        // Production defaults: a checkpoint (and commit) every 5 s, as often as the plain loop commits.
        builder.Services.AddSingleton(Options.Create(new TopologyRuntimeOptions()));
        builder.Services.AddSingleton<KafkaClients>();
        register(builder.Services);
        var host = builder.Build();
        host.Start();
        return new TopologyHost(kafka, host, stages);
    }

    public override void Dispose()
    {
        host.StopAsync().GetAwaiter().GetResult();
        host.Dispose();
    }
}
