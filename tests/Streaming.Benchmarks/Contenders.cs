using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Streaming.Kafka;
using Streaming.Topology.Kafka;

namespace Streaming.Benchmarks;

/// <summary>Something that consumes the benchmark's topics and commits what it has processed.</summary>
public abstract class Contender(KafkaOptions kafka, (string Group, string Topic)[] stages) : IDisposable
{
    protected KafkaOptions Kafka { get; } = kafka;

    /// <summary>Blocks until each stage's group has committed the whole of its topic, in order.</summary>
    public void WaitUntilCommitted() => WaitUntilCommitted(Kafka, stages);

    /// <summary>
    /// Blocks until each stage's group has committed <paramref name="records"/> of its topic (24 partitions; by default
    /// all it holds now), in order; for contenders that run in another process too.
    /// </summary>
    public static void WaitUntilCommitted(KafkaOptions kafka, IEnumerable<(string Group, string Topic)> stages, long? records = null)
    {
        var clients = new KafkaClients(Options.Create(kafka));
        var deadline = DateTime.UtcNow.AddMinutes(10);
        foreach (var (group, topic) in stages)
        {
            using var probe = clients.CreateConsumerBuilder(group, "bench-probe").Build();
            var partitions = Enumerable.Range(0, 24).Select(p => new TopicPartition(kafka.Name(topic), p)).ToList();
            var end = records ?? partitions.Sum(tp => probe.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High.Value);
            while (probe.Committed(partitions, TimeSpan.FromSeconds(10)).Sum(c => Math.Max(0, c.Offset.Value)) < end)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"{group} did not commit {end} records of {topic} within 10 minutes.");
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

    private PlainLoop(KafkaOptions kafka, string group, string topic, bool live) : base(kafka, [(group, topic)])
    {
        thread = new Thread(() => Run(group, topic, live)) { IsBackground = true };
        thread.Start();
    }

    /// <summary>Consumes <paramref name="topic"/> (events by default); <paramref name="live"/>: with the live consumers' fetch wait.</summary>
    public static PlainLoop Start(KafkaOptions kafka, string topic = Topics.Events, bool live = false) => new(kafka, "bench-plain", topic, live);

    private void Run(string group, string topic, bool live)
    {
        var clients = new KafkaClients(Options.Create(Kafka));
        using var consumer = clients.CreateConsumerBuilder(group, "bench-plain", live).Build();
        consumer.Subscribe(Kafka.Name(topic));
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

/// <summary>Topologies hosted as the aggregator hosts them; traced: with a tracer provider that samples every span.</summary>
public sealed class TopologyHost : Contender
{
    private static long spansRecorded;
    private readonly IHost host;
    private readonly TracerProvider? tracer;

    private TopologyHost(KafkaOptions kafka, IHost host, TracerProvider? tracer, (string, string)[] stages) : base(kafka, stages) =>
        (this.host, this.tracer) = (host, tracer);

    public static long SpansRecorded => Interlocked.Read(ref spansRecorded);

    public static TopologyHost Start(KafkaOptions kafka, Action<IServiceCollection> register, (string Group, string Topic)[] stages, bool traced = false)
    {
        // What a service does with OTEL_EXPORTER_OTLP_ENDPOINT set, less the export: the fleet's sources, always sampled.
        var tracer = traced
            ? Sdk.CreateTracerProviderBuilder().AddSource("Streaming.*").SetSampler(new AlwaysOnSampler()).AddProcessor(new CountingProcessor()).Build()
            : null;
        // No watching of appsettings files in the working folder (artifacts, where builds and this benchmark's output
        // write): a contender's CPU is its topology's, not a file watcher's or a configuration reload's.
        var settings = new HostApplicationBuilderSettings { Configuration = new ConfigurationManager() };
        settings.Configuration["hostBuilder:reloadConfigOnChange"] = "false";
        var builder = Host.CreateApplicationBuilder(settings);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(Options.Create(kafka));
        // Production defaults: a checkpoint (and commit) every 5 s, as often as the plain loop commits.
        builder.Services.AddSingleton(Options.Create(new TopologyRuntimeOptions()));
        builder.Services.AddSingleton<KafkaClients>();
        register(builder.Services);
        var host = builder.Build();
        host.Start();
        return new TopologyHost(kafka, host, tracer, stages);
    }

    public override void Dispose()
    {
        host.StopAsync().GetAwaiter().GetResult();
        host.Dispose();
        tracer?.Dispose();
    }

    /// <summary>Stands in for an exporter: counts the ended spans.</summary>
    private sealed class CountingProcessor : BaseProcessor<Activity>
    {
        public override void OnEnd(Activity data) => Interlocked.Increment(ref spansRecorded);
    }
}
