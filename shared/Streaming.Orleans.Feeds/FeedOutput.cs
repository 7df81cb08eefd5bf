using Confluent.Kafka;
using Streaming.Kafka;

namespace Streaming.Orleans.Feeds;

/// <summary>Where a feed's dead letters go, and how what it produced is made durable before offsets are stored.</summary>
internal interface IFeedOutput
{
    void DeadLetter(string group, ConsumeResult<string, byte[]> record, string reason);

    /// <summary>Waits until everything produced so far is on Kafka (throws if it cannot be).</summary>
    void Flush();
}

/// <summary>The process's producer: dead letters through the one <see cref="DeadLetterWriter"/>.</summary>
internal sealed class KafkaFeedOutput(RecordProducer producer, KafkaOptions options, TimeProvider clock) : IFeedOutput
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(60);
    private DeadLetterWriter? deadLetters;

    public void DeadLetter(string group, ConsumeResult<string, byte[]> record, string reason)
    {
        deadLetters ??= new DeadLetterWriter(producer, options, group, clock);
        deadLetters.Write(record, reason);
    }

    public void Flush() => producer.FlushAndThrowIfFailed(FlushTimeout);
}
