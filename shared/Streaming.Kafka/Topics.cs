namespace Streaming.Kafka;

/// <summary>The fleet's topics and their default partition counts.</summary>
public static class Topics
{
    public const string Events = "events";
    public const string DeadLetter = "events.dead-letter";
    public const string LateEvents = "events.late";
    public const string MetricsConcurrentUsers = "metrics.concurrent-users";
    public const string MetricsBookings = "metrics.bookings";
    public const string MetricsPopularity = "metrics.popularity";
    public const string ProductEvents = "product-events";
    public const string ProfileChanges = "profile-changes";
    public const string PushCommands = "push-commands";

    /// <summary>Every push decision with its reason (the push trigger's and the delivery worker's), for ClickHouse.</summary>
    public const string PushDecisions = "push-decisions";

    /// <summary>Push commands the delivery worker could not deliver after its last attempt, with the reason.</summary>
    public const string PushDeadLetter = "push-commands.dead-letter";
    public const string Checkpoints = "checkpoints";

    /// <summary>Debezium change events of the bookings table (read when <c>Bookings:Source</c> is <c>cdc</c>).</summary>
    public const string CdcBookings = "cdc.bookings";

    public static readonly IReadOnlyDictionary<string, int> DefaultPartitions = new Dictionary<string, int>
    {
        [Events] = 6,
        [DeadLetter] = 1,
        [LateEvents] = 1,
        [MetricsConcurrentUsers] = 3,
        [MetricsBookings] = 3,
        [MetricsPopularity] = 3,
        [ProductEvents] = 6,
        [ProfileChanges] = 3,
        [PushCommands] = 1,
        [PushDecisions] = 1,
        [PushDeadLetter] = 1,
        [Checkpoints] = 6,
        [CdcBookings] = 3,
    };

    public static string Name(this KafkaOptions options, string topic) => options.TopicPrefix + topic;
}
