using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.Kafka.Telemetry;
using Streaming.Metrics;
using Streaming.Topology.Kafka;

namespace Streaming.Aggregator.BookingChanges;

/// <summary>
/// With <c>Bookings:Source</c> = <c>cdc</c>: reads the bookings table's Debezium change events and writes the booking
/// events they mean to the <c>events</c> topic, keyed by user id, as ingest would, so that every metric, events_raw and
/// the profiles see them. Unreadable or invalid changes go to the dead-letter topic with the reason, and so does a change
/// whose handling throws (the consume loop's poison isolation); the changes around it are translated as if it never came. Input offsets are
/// stored for commit only after the producer delivered everything sent before them (every
/// <c>Topology:CommitInterval</c>, on a revoke and at shutdown); after a crash the changes since the last commit are
/// translated again into the same events (same ids), which the windowing stage and events_raw count once.
/// </summary>
public sealed partial class BookingChangesService : ConsumeLoopService
{
    private readonly KafkaClients kafka;
    private readonly TopologyRuntimeOptions runtime;
    private readonly TimeProvider clock;
    private readonly ILogger<BookingChangesService> logger;
    private readonly BookingChangeTranslator translator;
    private readonly string inputTopic;
    private readonly string eventsTopic;
    private readonly string name;
    private readonly ConsumerBatchSpan span;
    private RecordProducer? producer;
    private DeadLetterWriter? deadLetters;
    private OffsetsAfterOutput? offsets;

    public BookingChangesService(
        KafkaClients kafka,
        IOptions<BookingsOptions> bookings,
        IOptions<MetricOptions> metrics,
        IOptions<TopologyRuntimeOptions> runtime,
        TimeProvider clock,
        ILogger<BookingChangesService> logger,
        IHostApplicationLifetime lifetime)
        : base(logger, lifetime)
    {
        this.kafka = kafka;
        this.runtime = runtime.Value;
        this.clock = clock;
        this.logger = logger;
        var limits = new EventLimits();
        translator = new BookingChangeTranslator(new BookingStatusMemory(bookings.Value.MaxRememberedBookings), new IncomingEventValidator(clock, limits), limits, clock);
        inputTopic = bookings.Value.CdcTopic;
        eventsTopic = kafka.Options.Name(Topics.Events);
        name = metrics.Value.TopologyName("bookings-cdc");
        span = new ConsumerBatchSpan(BookingChangesTelemetry.Source, inputTopic, name);
    }

    protected override IReadOnlyCollection<string> InputTopics => [inputTopic];

    protected override string ConsumerGroup => name;

    protected override DeadLetterWriter? DeadLetters => deadLetters;

    /// <summary>
    /// A dependency's failure while handling a change ends the loop (the stage resumes from its last commit, as before):
    /// the translator has already remembered the change's event as sent, so reading the change again would skip it.
    /// </summary>
    protected override bool RetriesInPlace => false;

    /// <summary>A dead-lettered change counts as handled: its offset is stored once its letter is delivered.</summary>
    protected override void Skipped(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record) => offsets!.Handled(record);

    protected override IConsumer<string, byte[]> CreateConsumer()
    {
        producer = DisposeWithService(kafka.CreateProducer(name));
        deadLetters = new DeadLetterWriter(producer, kafka.Options, name, clock);
        // As the repartition stage: the next owner of a lost partition translates its changes again into the same events.
        offsets = new OffsetsAfterOutput(inputTopic, () => producer!.FlushAndThrowIfFailed(TimeSpan.FromSeconds(60)), span, runtime.CommitInterval, clock, logger);
        return offsets.HandleRebalances(kafka.CreateConsumerBuilder(name, name)).Build();
    }

    protected override void Handle(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record)
    {
        span.Add(record.Message.Headers);
        var translation = BookingChangeReader.TryRead(record.Message.Value, out var change, out var reason)
            ? translator.Translate(change)
            : new Translation(TranslationOutcome.Rejected, Reason: reason);
        BookingChangesTelemetry.Count(translation.Outcome);
        switch (translation.Outcome)
        {
            case TranslationOutcome.Confirmed or TranslationOutcome.Cancelled:
                var appEvent = translation.Event!;
                producer!.Send(eventsTopic, appEvent.UserId, JsonSerializer.SerializeToUtf8Bytes(appEvent, EventJsonContext.Default.AppEvent), timestamp: appEvent.OccurredAt);
                break;
            case TranslationOutcome.Rejected:
                deadLetters!.Write(record, translation.Reason!);
                LogRejected(logger, record.Partition.Value, record.Offset.Value, translation.Reason!);
                break;
            case TranslationOutcome.Deleted or TranslationOutcome.Truncated or TranslationOutcome.Tombstone:
                LogNotACancellation(logger, BookingChangesTelemetry.TagOf(translation.Outcome), change?.BookingId ?? record.Message.Key ?? "", record.Partition.Value, record.Offset.Value);
                break;
            case TranslationOutcome.UnknownHistory when change!.Operation == ChangeOperation.Read:
                LogSnapshotCancelled(logger, change.BookingId!);
                break;
            case TranslationOutcome.UnknownHistory:
                LogUnknownHistory(logger, change!.BookingId!, record.Partition.Value, record.Offset.Value);
                break;
            case TranslationOutcome.TooOld:
                LogTooOld(logger, change!.BookingId!, change.After!.UpdatedAt);
                break;
        }

        offsets!.Handled(record);
    }

    protected override void Tick(IConsumer<string, byte[]> consumer) => offsets!.StoreIfDue(consumer);

    protected override void Stopping(IConsumer<string, byte[]> consumer) => offsets!.Store(consumer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Change event at partition {Partition} offset {Offset} dead-lettered: {Reason}")]
    private static partial void LogRejected(ILogger logger, int partition, long offset, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Change event {Outcome} of booking '{BookingId}' (partition {Partition} offset {Offset}) is not a cancellation; not counted")]
    private static partial void LogNotACancellation(ILogger logger, string outcome, string bookingId, int partition, long offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Booking '{BookingId}' is cancelled but its earlier status is unknown (no before image, not remembered; partition {Partition} offset {Offset}); not counted as a cancellation. REPLICA IDENTITY FULL on PostgreSQL gives before images")]
    private static partial void LogUnknownHistory(ILogger logger, string bookingId, int partition, long offset);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Snapshot row of booking '{BookingId}' is cancelled; whether it was confirmed before is unknown, so it is not counted as a cancellation")]
    private static partial void LogSnapshotCancelled(ILogger logger, string bookingId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Booking '{BookingId}' changed at {UpdatedAt:O}, older than events are accepted; not translated")]
    private static partial void LogTooOld(ILogger logger, string bookingId, DateTimeOffset updatedAt);
}
