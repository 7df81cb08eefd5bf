using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Streaming.Kafka;
using Streaming.Topology.Processing;

namespace Streaming.Topology.Kafka;

/// <summary>A stage's unreadable records, to the dead-letter topic with the stage as source, and logged.</summary>
internal sealed partial class KafkaDeadLetters(DeadLetterWriter writer, string inputTopic, ILogger logger)
{
    public void Write(in InputRecord record, string reason)
    {
        writer.Write(new ConsumeResult<string, byte[]>
        {
            TopicPartitionOffset = new TopicPartitionOffset(inputTopic, record.Partition, record.Offset),
            Message = new Message<string, byte[]> { Key = record.Key!, Value = record.Value! },
        }, reason);
        LogDeadLetter(logger, record.Partition, record.Offset, reason);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead-lettered partition {Partition} offset {Offset}: {Reason}")]
    private static partial void LogDeadLetter(ILogger logger, int partition, long offset, string reason);
}
