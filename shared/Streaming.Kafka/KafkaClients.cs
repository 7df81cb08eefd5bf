using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace Streaming.Kafka;

/// <summary>Builds Kafka clients with the fleet's settings: one producer per process, consumers whose stored offsets the client commits.</summary>
public sealed class KafkaClients(IOptions<KafkaOptions> options)
{
    public KafkaOptions Options => options.Value;

    /// <summary>One per stage or service: idempotent, all replicas acknowledge, each partition's records in send order.</summary>
    /// <param name="linger">How long records wait to fill a batch (default 5 ms): longer for a stage that streams many
    /// records and commits every second anyway, as larger batches cost less CPU per record.</param>
    public RecordProducer CreateProducer(string clientId, TimeSpan? linger = null)
    {
        KafkaNative.EnsureLoaded();
        var config = new ProducerConfig
        {
            BootstrapServers = Options.BootstrapServers,
            ClientId = clientId,
            Acks = Acks.All,
            // Keeps each partition's records in send order through retries (downstream dedupe relies on it).
            EnableIdempotence = true,
            LingerMs = linger?.TotalMilliseconds ?? 5,
            CompressionType = CompressionType.None,
            MessageTimeoutMs = 30000,
            // Delivery reports are read for their error only: without this the client copies every record's key, value,
            // headers and timestamp back into managed objects once it is delivered.
            DeliveryReportFields = "none",
        };
        return new RecordProducer(new ProducerBuilder<string, byte[]>(config).Build(), clientId);
    }

    /// <summary>
    /// A producer of one topic for a stage that streams many records and only needs to know, before it commits, that all
    /// were delivered (see <see cref="BulkProducer"/>); same settings as <see cref="CreateProducer"/>.
    /// </summary>
    /// <param name="topic">The physical name (prefix applied).</param>
    public BulkProducer CreateBulkProducer(string stage, string topic, TimeSpan linger) => new(Options, stage, topic, linger);

    /// <summary>
    /// A consumer in group <paramref name="groupId"/>, from the earliest offset. The caller stores an offset
    /// (<c>StoreOffset</c>) once the records before it are processed; the client commits stored offsets in the
    /// background every second, and those of revoked partitions before they move. Never <c>Commit()</c> on the poll
    /// thread: a commit waits behind the group's JoinGroup on the coordinator connection, so in a rebalance it would
    /// stop the loop until the whole group has rejoined, which is what cooperative rebalancing avoids.
    /// Rebalances are incremental (cooperative-sticky, or KIP-848's): a rebalance hands the assigned and revoked
    /// handlers only the partitions that move, and the others keep being consumed meanwhile. Handlers must be
    /// actions (a revoked handler may not return a new assignment), and a lost handler must not store offsets.
    /// </summary>
    /// <param name="live">On the path from an event to a live subscriber: fetches wait at most
    /// <see cref="KafkaOptions.LiveFetchWaitMaxMs"/> for records.</param>
    /// <param name="withoutTopicAndTimestamp">Records come without their topic name and timestamp: each costs the client a
    /// native call per record (and the name a new string). For stages that read one topic and take time from the events.</param>
    public ConsumerBuilder<string, byte[]> CreateConsumerBuilder(string groupId, string clientId, bool live = false, bool withoutTopicAndTimestamp = false)
    {
        var config = CreateConsumerConfig(groupId, clientId, live);
        if (withoutTopicAndTimestamp)
        {
            config.ConsumeResultFields = "headers";
        }

        return new(config);
    }

    /// <summary>
    /// A consumer outside any group, for a reader that takes partitions by <c>Assign</c> and keeps no committed
    /// offsets (every gateway instance reads all of profile-changes into memory, from a point in time).
    /// </summary>
    /// <param name="live">On the path from an event to a live subscriber (see <see cref="CreateConsumerBuilder"/>).</param>
    public ConsumerBuilder<string, byte[]> CreateReaderBuilder(string clientId, bool live = false)
    {
        KafkaNative.EnsureLoaded();
        return new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = Options.BootstrapServers,
            ClientId = clientId,
            // The .NET client insists on a group id; with Assign and no commits no group is ever joined or written.
            GroupId = clientId + "-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            FetchWaitMaxMs = FetchWait(live),
        });
    }

    /// <summary>The settings behind <see cref="CreateConsumerBuilder"/>; the rebalance benchmark varies the assignor.</summary>
    internal ConsumerConfig CreateConsumerConfig(string groupId, string clientId, bool live = false)
    {
        KafkaNative.EnsureLoaded();
        var config = new ConsumerConfig
        {
            BootstrapServers = Options.BootstrapServers,
            GroupId = groupId,
            ClientId = clientId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // Stored offsets only (no offset is stored before the caller processed its record), committed in the background.
            EnableAutoCommit = true,
            AutoCommitIntervalMs = 1000,
            EnableAutoOffsetStore = false,
            GroupProtocol = Options.GroupProtocol,
            FetchWaitMaxMs = FetchWait(live),
        };
        if (Options.GroupProtocol == GroupProtocol.Classic)
        {
            // Under KIP-848 these are the broker's group settings; librdkafka refuses them client-side.
            config.SessionTimeoutMs = Options.SessionTimeoutMs;
            config.HeartbeatIntervalMs = Math.Max(1000, Options.SessionTimeoutMs / 5);
            config.PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky;
        }

        return config;
    }

    private int? FetchWait(bool live) => live ? Options.LiveFetchWaitMaxMs : Options.FetchWaitMaxMs;
}
