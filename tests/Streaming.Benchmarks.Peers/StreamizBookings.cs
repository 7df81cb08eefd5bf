using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Streaming.Events;
using Streaming.Kafka;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Crosscutting;
using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.State;
using Streamiz.Kafka.Net.Stream;
using Streamiz.Kafka.Net.Table;

namespace Streaming.Benchmarks.Peers;

/// <summary>
/// Bookings per product per minute in Streamiz.Kafka.Net, written as its documentation shows: confirmed bookings,
/// re-keyed by product through a repartition topic, counted in one-minute tumbling windows with our grace, every
/// count update written to <see cref="OutputTopic"/> as "product|window start ms" → count. At least once: the local
/// Kafka (librdkafka's mock cluster) cannot commit offsets in a transaction, so exactly-once has nothing to stand on.
/// </summary>
internal sealed class StreamizBookings : Contender
{
    public const string OutputTopic = "streamiz.bookings";
    public const int OutputPartitions = 3;

    private readonly KafkaStream stream;

    private StreamizBookings(KafkaOptions kafka, KafkaStream stream) : base(kafka, Stages(kafka.TopicPrefix)) => this.stream = stream;

    private const string Name = "streamiz-bookings";
    private const string Repartition = Name + "-by-product-repartition";

    /// <summary>The consumer group of both sub-topologies (source and repartition), one per topic prefix.</summary>
    public static string ApplicationId(string prefix) => prefix + Name;

    /// <summary>
    /// Its internal topics, which it would create itself on a real cluster; the mock cluster does not serve CreateTopics,
    /// so the benchmark creates them (24 partitions, as the events topic).
    /// </summary>
    public static IReadOnlyList<string> InternalTopics(string prefix) =>
        [prefix + Repartition, ApplicationId(prefix) + "-counts-changelog"];

    /// <summary>What a run must have committed: the events, then the repartition topic (prefix applied by the caller).</summary>
    public static (string Group, string Topic)[] Stages(string prefix) =>
        [(ApplicationId(prefix), Topics.Events), (ApplicationId(prefix), Repartition)];

    public static StreamizBookings Start(KafkaOptions kafka, TimeSpan grace, string stateDirectory)
    {
        KafkaNative.EnsureLoaded(); // Streamiz builds its clients on Confluent.Kafka: the same native library as ours.
        var config = new StreamConfig<StringSerDes, AppEventSerDes>
        {
            ApplicationId = ApplicationId(kafka.TopicPrefix),
            BootstrapServers = kafka.BootstrapServers,
            Guarantee = ProcessingGuarantee.AT_LEAST_ONCE,
            // As often as our runtime checkpoints and the plain loop commits.
            CommitIntervalMs = 5_000,
            StateDir = stateDirectory,
            DefaultTimestampExtractor = new OccurredAtExtractor(),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            AllowAutoCreateTopics = false,
            SessionTimeoutMs = kafka.SessionTimeoutMs,
            Logger = NullLoggerFactory.Instance,
        };
        var builder = new StreamBuilder();
        builder.Stream<string, AppEvent>(kafka.Name(Topics.Events))
            .Filter((_, e, _) => e.Type == EventTypes.BookingConfirmed && e.ProductId is not null)
            .SelectKey((_, e, _) => e.ProductId!)
            .Repartition(Repartitioned<string, AppEvent>.As("by-product"))
            .GroupByKey()
            .WindowedBy(TumblingWindowOptions.Of(TimeSpan.FromMinutes(1), grace))
            .Count(Materialized<string, long, IWindowStore<Bytes, byte[]>>.Create<StringSerDes, Int64SerDes>("counts"))
            .ToStream((window, _, _) => window.Key + "|" + window.Window.StartMs.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .To<StringSerDes, Int64SerDes>(kafka.Name(OutputTopic));
        var stream = new KafkaStream(builder.Build(), config);
        stream.StartAsync().GetAwaiter().GetResult();
        return new StreamizBookings(kafka, stream);
    }

    public override void Dispose() => stream.Dispose();

    /// <summary>Event time: the event's occurred_at (decoded already), else the record's timestamp, which the input sets to it.</summary>
    private sealed class OccurredAtExtractor : ITimestampExtractor
    {
        public long Extract(ConsumeResult<object, object> record, long partitionTime) =>
            record.Message.Value is AppEvent e ? e.OccurredAt.ToUnixTimeMilliseconds() : record.Message.Timestamp.UnixTimestampMs;
    }
}

/// <summary>Events read with our reader and written with our JSON context, as our runtime does.</summary>
internal sealed class AppEventSerDes : AbstractSerDes<AppEvent>
{
    public override AppEvent Deserialize(byte[] data, SerializationContext context) =>
        AppEventReader.TryRead(data, out var e, out var reason) ? e : throw new InvalidDataException(reason);

    public override byte[] Serialize(AppEvent data, SerializationContext context) =>
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(data, EventJsonContext.Default.AppEvent);
}
