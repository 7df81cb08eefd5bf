using Confluent.Kafka;

namespace Streaming.Kafka.Tests;

/// <summary>
/// A consumer of one partition's records held in memory: Consume hands them out in order, Seek rewinds, and
/// <see cref="Drained"/> completes when the last one was handed out. What the consume loop does not call throws.
/// </summary>
public sealed class FakeConsumer(string topic, IReadOnlyList<byte[]> values) : IConsumer<string, byte[]>
{
    private readonly TaskCompletionSource drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ManualResetEventSlim never = new();
    private long next;

    public TopicPartition Partition { get; } = new(topic, 0);

    public Task Drained => drained.Task;

    /// <summary>Offsets the loop sought back to, in order.</summary>
    public List<long> Seeks { get; } = [];

    public ConsumeResult<string, byte[]>? Consume(TimeSpan timeout)
    {
        if (next >= values.Count)
        {
            drained.TrySetResult();
            never.Wait(timeout); // as a real poll that finds nothing
            return null;
        }

        var offset = next++;
        return new ConsumeResult<string, byte[]>
        {
            TopicPartitionOffset = new TopicPartitionOffset(Partition, offset),
            Message = new Message<string, byte[]> { Key = "k" + offset, Value = values[(int)offset] },
        };
    }

    public void Seek(TopicPartitionOffset tpo)
    {
        Assert.Equal(Partition, tpo.TopicPartition);
        Seeks.Add(tpo.Offset.Value);
        next = tpo.Offset.Value;
    }

    public void Subscribe(IEnumerable<string> topics) { }

    public void Close() { }

    public void Dispose() => never.Dispose();

    public List<TopicPartition> Assignment => [Partition];

    public Offset Position(TopicPartition partition) => new(next);

    public WatermarkOffsets GetWatermarkOffsets(TopicPartition topicPartition) => new(0, values.Count);

    public WatermarkOffsets QueryWatermarkOffsets(TopicPartition topicPartition, TimeSpan timeout) => new(0, values.Count);

    public void Pause(IEnumerable<TopicPartition> partitions) { }

    public void Resume(IEnumerable<TopicPartition> partitions) { }

    public ConsumeResult<string, byte[]> Consume(int millisecondsTimeout) => throw new NotSupportedException();

    public ConsumeResult<string, byte[]> Consume(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public string MemberId => "fake";

    public List<string> Subscription => [topic];

    public IConsumerGroupMetadata ConsumerGroupMetadata => throw new NotSupportedException();

    public Handle Handle => throw new NotSupportedException();

    public string Name => "fake";

    public int AddBrokers(string brokers) => throw new NotSupportedException();

    public void SetSaslCredentials(string username, string password) => throw new NotSupportedException();

    public void Subscribe(string topic) => throw new NotSupportedException();

    public void Unsubscribe() => throw new NotSupportedException();

    public void Assign(TopicPartition partition) => throw new NotSupportedException();

    public void Assign(TopicPartitionOffset partition) => throw new NotSupportedException();

    public void Assign(IEnumerable<TopicPartitionOffset> partitions) => throw new NotSupportedException();

    public void Assign(IEnumerable<TopicPartition> partitions) => throw new NotSupportedException();

    public void IncrementalAssign(IEnumerable<TopicPartitionOffset> partitions) => throw new NotSupportedException();

    public void IncrementalAssign(IEnumerable<TopicPartition> partitions) => throw new NotSupportedException();

    public void IncrementalUnassign(IEnumerable<TopicPartition> partitions) => throw new NotSupportedException();

    public void Unassign() => throw new NotSupportedException();

    public void StoreOffset(ConsumeResult<string, byte[]> result) => throw new NotSupportedException();

    public void StoreOffset(TopicPartitionOffset offset) => throw new NotSupportedException();

    public List<TopicPartitionOffset> Commit() => throw new NotSupportedException();

    public void Commit(IEnumerable<TopicPartitionOffset> offsets) => throw new NotSupportedException();

    public void Commit(ConsumeResult<string, byte[]> result) => throw new NotSupportedException();

    public List<TopicPartitionOffset> Committed(TimeSpan timeout) => throw new NotSupportedException();

    public List<TopicPartitionOffset> Committed(IEnumerable<TopicPartition> partitions, TimeSpan timeout) => throw new NotSupportedException();

    public List<TopicPartitionOffset> OffsetsForTimes(IEnumerable<TopicPartitionTimestamp> timestampsToSearch, TimeSpan timeout) => throw new NotSupportedException();
}
