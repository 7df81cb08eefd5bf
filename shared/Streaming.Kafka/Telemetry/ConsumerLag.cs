using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using Confluent.Kafka;

namespace Streaming.Kafka.Telemetry;

/// <summary>
/// The lag of one consumer, sampled on its own thread every <see cref="Interval"/>: per assigned partition, the end of
/// the partition (high watermark) minus the consumer's position. The high watermark is the one the last fetch brought,
/// which costs nothing; the broker is asked only while input is paused (no fetches) or before the first fetch. A
/// partition that has delivered nothing since it was assigned counts from its committed offset (or its start).
/// </summary>
internal sealed class ConsumerLag(string group) : IDisposable
{
    private readonly string group = group;
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(1);
    private static readonly ConcurrentDictionary<ConsumerLag, Measurement<long>[]> Consumers = new();
    private readonly Dictionary<TopicPartition, long> startOffsets = [];

    public void Sample(IConsumer<string, byte[]> consumer, bool inputPaused)
    {
        var assignment = consumer.Assignment;
        var measurements = new List<Measurement<long>>(assignment.Count);
        foreach (var stale in startOffsets.Keys.Where(tp => !assignment.Contains(tp)).ToList())
        {
            startOffsets.Remove(stale);
        }

        foreach (var partition in assignment)
        {
            try
            {
                var position = consumer.Position(partition);
                var ends = consumer.GetWatermarkOffsets(partition);
                if (inputPaused || ends.High.IsSpecial || position.IsSpecial)
                {
                    ends = consumer.QueryWatermarkOffsets(partition, QueryTimeout);
                }

                var from = position.IsSpecial ? StartOf(consumer, partition, ends.Low) : position.Value;
                if (!ends.High.IsSpecial && from >= 0)
                {
                    measurements.Add(new Measurement<long>(Math.Max(0, ends.High.Value - from),
                        new(KafkaTelemetry.MessagingConsumerGroup, group),
                        new(KafkaTelemetry.MessagingDestination, partition.Topic),
                        new(KafkaTelemetry.MessagingPartition, partition.Partition.Value.ToString(CultureInfo.InvariantCulture))));
                }
            }
            catch (KafkaException)
            {
                // The broker did not answer in time: this partition has no value until the next sample.
            }
        }

        Consumers[this] = [.. measurements];
    }

    public void Dispose() => Consumers.TryRemove(this, out _);

    /// <summary>The last samples of <paramref name="group"/>'s consumers in this process (null: none yet).</summary>
    internal static (long Records, int Partitions)? Total(string group)
    {
        (long Records, int Partitions)? total = null;
        foreach (var (consumer, measurements) in Consumers)
        {
            if (consumer.group == group)
            {
                total = ((total?.Records ?? 0) + measurements.Sum(m => m.Value), (total?.Partitions ?? 0) + measurements.Length);
            }
        }

        return total;
    }

    internal static IEnumerable<Measurement<long>> Observe() => Consumers.Values.SelectMany(m => m);

    /// <summary>Where consumption of a partition starts: its committed offset, else (auto.offset.reset = earliest) its low watermark.</summary>
    private long StartOf(IConsumer<string, byte[]> consumer, TopicPartition partition, Offset low)
    {
        if (!startOffsets.TryGetValue(partition, out var start))
        {
            var committed = consumer.Committed([partition], QueryTimeout).Single().Offset;
            start = !committed.IsSpecial ? committed.Value : low.IsSpecial ? -1 : low.Value;
            if (!committed.IsSpecial)
            {
                startOffsets[partition] = start;
            }
        }

        return start;
    }
}

/// <summary>
/// What the one lag meter (<c>streaming.consumer.lag</c>) last sampled for a consumer group of this process, for a
/// service's status endpoint: the same numbers, not a second sampling.
/// </summary>
public static class ConsumerLagReading
{
    /// <summary>Records behind over the group's partitions whose lag was measured, and how many (null: not sampled yet).</summary>
    public static (long Records, int Partitions)? Of(string group) => ConsumerLag.Total(group);
}
