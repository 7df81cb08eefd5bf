using System.ComponentModel.DataAnnotations;
using Confluent.Kafka;

namespace Streaming.Kafka;

/// <summary>Connection settings shared by every service; section "Kafka".</summary>
public sealed class KafkaOptions
{
    public const string Section = "Kafka";

    [Required(ErrorMessage = "Kafka:BootstrapServers is required (e.g. localhost:9092; ./run demo sets it)")]
    public string BootstrapServers { get; set; } = "";

    /// <summary>
    /// <c>classic</c>: the group rebalances in the clients, cooperative-sticky. <c>consumer</c>: KIP-848, the broker
    /// assigns (Kafka 4.0+ or a cluster that enables it); session timeout and assignor are then the broker's settings.
    /// </summary>
    [EnumDataType(typeof(GroupProtocol))]
    public GroupProtocol GroupProtocol { get; set; } = GroupProtocol.Classic;

    /// <summary>Short sessions make failover and test rebalances quick; production may raise it. Classic protocol only.</summary>
    [Range(3000, 300000)]
    public int SessionTimeoutMs { get; set; } = 10000;

    /// <summary>Partitions of the checkpoints topic; a task's checkpoints go to its input partition modulo this.</summary>
    [Range(1, 10000)]
    public int CheckpointPartitions { get; set; } = 6;

    /// <summary>
    /// How long a fetch may wait for records (librdkafka's fetch.wait.max.ms); null: the client's 500 ms. A real broker
    /// answers as soon as a record arrives, so this costs no latency there; the local mock Kafka holds a fetch of an
    /// idle partition for the whole wait, which adds up to that much to every hop. Consumers on the path from an event
    /// to a live subscriber use <see cref="LiveFetchWaitMaxMs"/> instead.
    /// </summary>
    [Range(1, 300000)]
    public int? FetchWaitMaxMs { get; set; }

    /// <summary>
    /// The fetch wait of the consumers an event passes on its way to a live subscriber (the product-events stage, the
    /// profile silos, the gateway's profile-changes reader). Short, so that a broker that holds an idle fetch for the
    /// whole wait (the local mock Kafka; a real broker with fetch.min.bytes above 1) adds at most this to each hop;
    /// the cost is idle fetch requests: 1000 / this per second per broker a consumer reads from, instead of 2.
    /// </summary>
    [Range(1, 300000)]
    public int LiveFetchWaitMaxMs { get; set; } = 50;

    /// <summary>
    /// The most bytes of a record's value a dead letter carries; a longer value is cut there, and the letter records its
    /// original size and SHA-256. The bound keeps every letter (base64, 4/3 of it, plus key and reason) under Kafka's
    /// default message.max.bytes of 1 MB.
    /// </summary>
    [Range(1024, 524288)]
    public int DeadLetterMaxPayloadBytes { get; set; } = 65536;

    /// <summary>
    /// A record whose handling fails this many times in a row with an exception the stage cannot classify is poison:
    /// it is dead-lettered and the stage moves on (see <see cref="ConsumeLoopService"/>).
    /// </summary>
    [Range(1, 100)]
    public int PoisonAfterFailures { get; set; } = 3;

    /// <summary>Prefix for every topic name, so several fleets can share one cluster (and tests stay apart).</summary>
    [RegularExpression("^[a-zA-Z0-9._-]*$")]
    public string TopicPrefix { get; set; } = "";
}
