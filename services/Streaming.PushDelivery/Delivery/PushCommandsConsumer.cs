using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Streaming.Kafka;
using Streaming.Push.Contracts;

namespace Streaming.PushDelivery.Delivery;

/// <summary>
/// Reads push-commands (group <c>push-delivery</c>) and delivers each push at its send_at: retries with backoff,
/// honours 429 Retry-After, expires a push its TTL has passed, and after the last attempt dead-letters it with the
/// reason. Every outcome the trigger could not know (a held push sent, expired, failed) goes to push-decisions.
/// A partition's offset is committed only up to its first unfinished push, so a crash re-reads what was pending; a
/// push delivered just before the crash is delivered again with the same Idempotency-Key, which the provider drops.
/// </summary>
public sealed partial class PushCommandsConsumer(
    KafkaClients kafka,
    RecordProducer producer,
    PushSender sender,
    IOptions<DeliveryOptions> options,
    TimeProvider clock,
    ILogger<PushCommandsConsumer> logger,
    IHostApplicationLifetime lifetime) : ConsumeLoopService(logger, lifetime)
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(30);
    private readonly DeliveryOptions settings = options.Value;
    private readonly DeliveryBook book = new(options.Value);
    private readonly List<(PendingPush Push, Task<AttemptResult> Attempt)> inFlight = [];
    private readonly Dictionary<int, long> stored = [];
    private readonly CancellationTokenSource stopping = new();
    private readonly ILogger log = logger;
    private readonly DeadLetterWriter deadLetters = new(producer, kafka.Options, "push-delivery", clock, Topics.PushDeadLetter, logger);

    private string CommandsTopic => kafka.Options.Name(Topics.PushCommands);

    protected override IReadOnlyCollection<string> InputTopics => [CommandsTopic];

    protected override string ConsumerGroup => "push-delivery";

    protected override IConsumer<string, byte[]> CreateConsumer() =>
        kafka.CreateConsumerBuilder(ConsumerGroup, ConsumerGroup, live: true)
            .SetPartitionsRevokedHandler((consumer, revoked) =>
            {
                Store(consumer);
                Forget(revoked.Select(p => p.Partition.Value));
            })
            .SetPartitionsLostHandler((_, lost) => Forget(lost.Select(p => p.Partition.Value)))
            .Build();

    protected override DeadLetterWriter DeadLetters => deadLetters;

    /// <summary>A decision or letter that fails in a tick has left the book already: the loop ends before its commit point moves, as before.</summary>
    protected override bool RetriesInPlace => false;

    /// <summary>A command the loop dead-lettered (its handling threw) is finished: the commit point may pass it.</summary>
    protected override void Skipped(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record) =>
        book.Add(record.Partition.Value, record.Offset.Value, null);

    protected override void Handle(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record)
    {
        if (!PushCommandReader.TryRead(record.Message.Value, out var push, out var reason))
        {
            deadLetters.Write(CommandsTopic, record.Partition.Value, record.Offset.Value, record.Message.Key, record.Message.Value, reason, DeadLetterReasons.Rejected);
            book.Add(record.Partition.Value, record.Offset.Value, null);
            return;
        }

        book.Add(record.Partition.Value, record.Offset.Value, push);
    }

    protected override void Tick(IConsumer<string, byte[]> consumer)
    {
        var now = clock.GetUtcNow();
        for (var i = inFlight.Count - 1; i >= 0; i--)
        {
            var (push, attempt) = inFlight[i];
            if (!attempt.IsCompleted)
            {
                continue;
            }

            inFlight.RemoveAt(i);
            var result = attempt.IsCompletedSuccessfully ? attempt.Result : new AttemptResult(AttemptOutcome.Retry, attempt.Exception?.GetBaseException().Message ?? "cancelled");
            if (book.Complete(push, result, now) is { } row)
            {
                Decide(row);
                if (row.Outcome == PushOutcomes.Failed)
                {
                    DeadLetterUndeliverable(push, row.Reason);
                }
            }
            else if (result.Outcome != AttemptOutcome.Delivered)
            {
                LogRetry(log, push.Command.PushId, push.Attempts, result.Detail, push.DueAt);
            }
        }

        foreach (var push in book.Due(now, settings.MaxInFlight - inFlight.Count))
        {
            if (DeliveryBook.Expired(push.Command, now))
            {
                Decide(book.Expire(push, now));
                continue;
            }

            push.InFlight = true;
            inFlight.Add((push, sender.SendAsync(push.Command, stopping.Token)));
        }

        Store(consumer);
    }

    protected override void Stopping(IConsumer<string, byte[]> consumer)
    {
        // Attempts under way get a moment to finish, so their pushes are not sent again after the restart.
        try
        {
            Task.WaitAll([.. inFlight.Select(f => f.Attempt)], TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Looked at one by one below.
        }

        Tick(consumer);
        stopping.Cancel();
    }

    public override void Dispose()
    {
        stopping.Dispose();
        base.Dispose();
    }

    /// <summary>Stores each partition's commit point once the rows and letters behind it are on Kafka.</summary>
    private void Store(IConsumer<string, byte[]> consumer)
    {
        var advanced = book.CommitPoints().Where(c => !stored.TryGetValue(c.Partition, out var at) || c.Offset > at).ToList();
        if (advanced.Count == 0)
        {
            return;
        }

        producer.FlushAndThrowIfFailed(FlushTimeout);
        consumer.StoreEach(advanced.Select(a => new TopicPartitionOffset(CommandsTopic, a.Partition, a.Offset)),
            (offset, reason) => LogStoreFailed(log, offset.Partition.Value, reason));
        foreach (var (partition, offset) in advanced)
        {
            stored[partition] = offset;
        }
    }

    private void Forget(IEnumerable<int> partitions)
    {
        var moved = partitions.ToHashSet();
        book.Forget(moved);
        inFlight.RemoveAll(f => moved.Contains(f.Push.Partition));
        foreach (var partition in moved)
        {
            stored.Remove(partition);
        }
    }

    /// <summary>
    /// The letter of a push whose last attempt failed. It has left the book already, so a letter that cannot be written
    /// ends the loop before its commit point is stored: after the restart the command is read and tried again.
    /// </summary>
    private void DeadLetterUndeliverable(PendingPush push, string reason)
    {
        try
        {
            deadLetters.Write(CommandsTopic, push.Partition, push.Offset, push.Command.UserId,
                JsonSerializer.SerializeToUtf8Bytes(push.Command, PushJsonContext.Default.PushCommand), reason, DeadLetterReasons.Undeliverable);
        }
        catch (DeadLetterNotWrittenException ex)
        {
            throw new UndeliveredOutputException(ex.Message);
        }
    }

    private void Decide(PushDecisionRecord row)
    {
        producer.Send(kafka.Options.Name(Topics.PushDecisions), row.UserId, JsonSerializer.SerializeToUtf8Bytes(row, PushJsonContext.Default.PushDecisionRecord));
        LogDecided(log, row.PushId, row.Outcome, row.Reason);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Push {PushId}: {Outcome} ({Reason})")]
    private static partial void LogDecided(ILogger logger, string pushId, string outcome, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Push {PushId}: attempt {Attempt} failed ({Detail}); next at {DueAt:O}")]
    private static partial void LogRetry(ILogger logger, string pushId, int attempt, string detail, DateTimeOffset dueAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing the offset of partition {Partition} failed: {Reason}")]
    private static partial void LogStoreFailed(ILogger logger, int partition, string reason);
}
