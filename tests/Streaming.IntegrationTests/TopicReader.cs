using Confluent.Kafka;
using Streaming.Kafka;

namespace Streaming.IntegrationTests;

/// <summary>
/// Reads every record of a topic the broker still holds, up to the end it reports now (the local Kafka drops the
/// oldest records of a partition beyond 5 MiB).
/// </summary>
public static class TopicReader
{
    /// <param name="whole">Fail at once, naming the topic, when the broker has dropped any of its oldest records.</param>
    public static List<ConsumeResult<string, byte[]>> ReadAll(string bootstrap, string topic, int? partitionCount = null, bool whole = false)
    {
        KafkaNative.EnsureLoaded();
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "it-reader-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
        };
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        var partitions = Enumerable.Range(0, partitionCount ?? Topics.DefaultPartitions[topic]).Select(p => new TopicPartition(topic, p)).ToList();
        var marks = partitions.ToDictionary(tp => tp.Partition.Value, tp => consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)));
        var ends = marks.ToDictionary(m => m.Key, m => m.Value.High.Value);
        var dropped = marks.Values.Sum(m => m.Low.Value);
        if (whole && dropped > 0)
        {
            throw new InvalidOperationException(
                $"The local Kafka dropped the oldest {dropped} records of {topic} (5 MiB per partition): the test needs more partitions for it.");
        }

        consumer.Assign(partitions.Select(tp => new TopicPartitionOffset(tp, marks[tp.Partition.Value].Low)));
        var records = new List<ConsumeResult<string, byte[]>>();
        var remaining = marks.Values.Sum(m => m.High.Value - m.Low.Value);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (remaining > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Reading {topic}: {remaining} records not reached in 60 s.");
            var record = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (record is not null && record.Offset.Value < ends[record.Partition.Value])
            {
                records.Add(record);
                remaining--;
            }
        }

        consumer.Close();
        return records;
    }
}
