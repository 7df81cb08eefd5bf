using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Streaming.Kafka;
using Streaming.Metrics;
using Streaming.Metrics.Bookings;
using Streamiz.Kafka.Net.SerDes;

namespace Streaming.Benchmarks.Peers;

/// <summary>Reads a contender's result topic from its start, outside any group, and adds its results up as its consumers would.</summary>
internal abstract class ResultReader : IDisposable
{
    private readonly IConsumer<string, byte[]> consumer;
    private readonly List<TopicPartition> partitions;

    protected ResultReader(KafkaOptions kafka, string topic, int partitionCount)
    {
        consumer = new KafkaClients(Options.Create(kafka)).CreateReaderBuilder("peers-results").Build();
        partitions = [.. Enumerable.Range(0, partitionCount).Select(p => new TopicPartition(kafka.Name(topic), p))];
        consumer.Assign(partitions.Select(tp => new TopicPartitionOffset(tp, Offset.Beginning)));
    }

    public static ResultReader For(ContenderKind kind, KafkaOptions kafka) => kind == ContenderKind.Ours ? new OurResults(kafka) : new StreamizResults(kafka);

    /// <summary>Reads what the topic holds now; true when there was anything new.</summary>
    public bool CatchUp()
    {
        var ends = partitions.ToDictionary(tp => tp, tp => consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High.Value);
        var read = false;
        while (partitions.Any(tp => Position(tp) < ends[tp]))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { IsPartitionEOF: false, Message.Value: { } value } record)
            {
                Apply(record.Message.Key, value);
                read = true;
            }
        }

        return read;
    }

    public abstract BookingCounts Counts();

    public void Dispose() => consumer.Dispose();

    protected abstract void Apply(string key, byte[] value);

    private long Position(TopicPartition tp) => consumer.Position(tp) is { IsSpecial: false } offset ? offset.Value : 0;

    /// <summary>
    /// Our bookings results: partials per source partition, the latest version per (window, product, partition,
    /// incarnation), added up over partitions and incarnations, as the ClickHouse view does. Product series only.
    /// </summary>
    private sealed class OurResults(KafkaOptions kafka) : ResultReader(kafka, Topics.MetricsBookings, Topics.DefaultPartitions[Topics.MetricsBookings])
    {
        private readonly Dictionary<(long Window, string Product, int Partition, long Incarnation), (long Version, long Bookings)> latest = [];

        public override BookingCounts Counts()
        {
            var counts = new BookingCounts();
            foreach (var ((window, product, _, _), (_, bookings)) in latest)
            {
                counts.Add(product, window, bookings);
            }

            return counts;
        }

        protected override void Apply(string key, byte[] value)
        {
            var r = JsonSerializer.Deserialize(value, BookingsJson.Default.BookingsPerMinute)!;
            if (r.Dimension != ResultDimensions.Product)
            {
                return;
            }

            var id = (r.WindowStart.ToUnixTimeMilliseconds(), r.DimensionValue, r.Partition, r.Incarnation);
            var version = (r.Revision * 2) + (r.Provisional ? 0 : 1); // the tables' version column: a final result beats a provisional one
            if (!latest.TryGetValue(id, out var seen) || seen.Version < version)
            {
                latest[id] = (version, r.Bookings);
            }
        }
    }

    /// <summary>Streamiz's count updates: the last one per (product, window) is its result.</summary>
    private sealed class StreamizResults(KafkaOptions kafka) : ResultReader(kafka, StreamizBookings.OutputTopic, StreamizBookings.OutputPartitions)
    {
        private readonly Dictionary<string, long> last = new(StringComparer.Ordinal);
        private readonly Int64SerDes counts = new();

        public override BookingCounts Counts()
        {
            var counts = new BookingCounts();
            foreach (var (key, count) in last)
            {
                var split = key.LastIndexOf('|');
                counts.Add(key[..split], long.Parse(key[(split + 1)..], CultureInfo.InvariantCulture), count);
            }

            return counts;
        }

        protected override void Apply(string key, byte[] value) => last[key] = counts.Deserialize(value, default);
    }
}
