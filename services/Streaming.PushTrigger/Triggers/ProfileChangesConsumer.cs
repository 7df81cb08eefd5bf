using Confluent.Kafka;
using Streaming.Kafka;

namespace Streaming.PushTrigger.Triggers;

/// <summary>
/// Walking skeleton: joins its group on profile-changes and acknowledges what it reads.
/// The push-trigger issue adds the rules that turn profile changes into push commands.
/// </summary>
public sealed partial class ProfileChangesConsumer(
    KafkaClients kafka, ILogger<ProfileChangesConsumer> logger, IHostApplicationLifetime lifetime)
    : ConsumeLoopService(logger, lifetime)
{
    protected override IReadOnlyCollection<string> InputTopics => [kafka.Options.Name(Topics.ProfileChanges)];

    protected override string ConsumerGroup => "push-trigger";

    protected override IConsumer<string, byte[]> CreateConsumer() => kafka.CreateConsumerBuilder(ConsumerGroup, "push-trigger").Build();

    protected override void Handle(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record)
    {
        LogChange(logger, record.Message.Key);
        consumer.StoreOffset(record); // committed by the client in the background
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Profile change for {Product}")]
    private static partial void LogChange(ILogger logger, string product);
}
