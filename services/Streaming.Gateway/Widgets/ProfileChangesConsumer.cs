using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Streaming.Kafka;
using Streaming.Profiles.Contracts;

namespace Streaming.Gateway.Widgets;

/// <summary>
/// Reads profile-changes into the <see cref="ProfileChangesHub"/> and the <see cref="JustBookedFeed"/>. Every gateway
/// instance reads every partition (Assign, no consumer group, nothing committed), starting at the offsets of
/// now − <see cref="WidgetOptions.History"/>, so a fresh instance knows the last day's bookings. A failure never stops
/// the gateway: a record that cannot be read, or whose handling throws from its data, is logged and skipped (the silo
/// owns the topic; every gateway instance reads every record, so none writes dead letters); a dependency's failure is
/// logged, and the loop waits and starts over.
/// </summary>
public sealed partial class ProfileChangesConsumer(
    KafkaClients kafka, ProfileChangesHub hub, JustBookedFeed justBooked, IOptions<WidgetOptions> options, TimeProvider time,
    ILogger<ProfileChangesConsumer> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan PruneInterval = TimeSpan.FromMinutes(1);
    private readonly TaskCompletionSource assigned = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once every partition is assigned (tests produce after it).</summary>
    public Task Assigned => assigned.Task;

    public long ChangesRead { get; private set; }

    /// <summary>Records skipped: unreadable, or their handling threw from their data.</summary>
    public long ChangesSkipped { get; private set; }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    // Any failure is logged and the reader starts over: the gateway keeps serving meanwhile.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "the reader must never stop the gateway")]
    private void Run(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var consumer = kafka.CreateReaderBuilder("gateway-profile-changes", live: true).Build();
                try
                {
                    Consume(consumer, stoppingToken);
                }
                finally
                {
                    consumer.Close();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogFailed(logger, e.Message);
                stoppingToken.WaitHandle.WaitOne(RetryDelay);
            }
        }
    }

    private void Consume(IConsumer<string, byte[]> consumer, CancellationToken stoppingToken)
    {
        var topic = kafka.Options.Name(Topics.ProfileChanges);
        var since = new Timestamp(time.GetUtcNow() - options.Value.History);
        var start = StartOffsets(consumer, topic, since, stoppingToken);
        LogAssigned(logger, topic, string.Join(", ", start.Select(p => $"{p.Partition.Value}@{p.Offset}")));
        consumer.Assign(start);
        assigned.TrySetResult();
        var nextPrune = time.GetTimestamp();
        while (!stoppingToken.IsCancellationRequested)
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(500));
            // Records from before the window (read when a partition had to start at its beginning) are skipped.
            if (record?.Message is { } message && message.Timestamp.UtcDateTime >= since.UtcDateTime)
            {
                HandleIsolated(record.TopicPartitionOffset, message.Value);
            }

            if (time.GetTimestamp() >= nextPrune)
            {
                hub.Prune(options.Value.History);
                justBooked.Prune();
                nextPrune = time.GetTimestamp() + (long)(PruneInterval.TotalSeconds * time.TimestampFrequency);
            }
        }
    }

    /// <summary>One record; an exception from its data skips it (starting over would meet it again, forever).</summary>
    private void HandleIsolated(TopicPartitionOffset position, byte[]? value)
    {
        try
        {
            Handle(position, value);
        }
        catch (Exception e) when (ConsumeFailures.Classify(e) is FailureKind.Deterministic or FailureKind.Unknown)
        {
            ChangesSkipped++;
            LogUnreadable(logger, position.Partition.Value, position.Offset.Value, ConsumeFailures.ReasonOf(e));
        }
    }

    private void Handle(TopicPartitionOffset position, byte[]? value)
    {
        if (!ProfileChangeReader.TryRead(value, out var change, out var reason))
        {
            // The silo owns this topic; a record the gateway cannot read is skipped and logged, not fatal.
            ChangesSkipped++;
            LogUnreadable(logger, position.Partition.Value, position.Offset.Value, reason);
            return;
        }

        ChangesRead++;
        hub.Publish(change);
        if (change.NewBookings is { Count: > 0 } bookings)
        {
            justBooked.Add(bookings);
        }
    }

    /// <summary>
    /// Each partition's first offset at or after <paramref name="since"/>, as a concrete offset (an End assignment would
    /// resolve later and skip what arrived in between). A partition the lookup answers "end" for although it holds records
    /// starts at its beginning, and the loop skips the older records: librdkafka's mock cluster answers every time lookup
    /// with "end", and on a real broker this only re-reads a partition that was quiet for a whole day.
    /// </summary>
    private List<TopicPartitionOffset> StartOffsets(IConsumer<string, byte[]> consumer, string topic, Timestamp since, CancellationToken stoppingToken)
    {
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var waitingLogged = false;
        while (true)
        {
            stoppingToken.ThrowIfCancellationRequested();
            var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.SingleOrDefault(t => t.Topic == topic);
            if (metadata is { Error.IsError: false, Partitions.Count: > 0 })
            {
                var partitions = metadata.Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).OrderBy(p => p.Partition.Value).ToList();
                List<TopicPartitionOffset> found;
                try
                {
                    found = consumer.OffsetsForTimes(partitions.Select(p => new TopicPartitionTimestamp(p, since)), TimeSpan.FromSeconds(10));
                }
                catch (KafkaException e)
                {
                    LogNoTimeLookup(logger, e.Message);
                    found = [.. partitions.Select(p => new TopicPartitionOffset(p, Offset.End))];
                }

                return [.. found.Select(f => f.Offset != Offset.End ? f : Concrete(consumer, f.TopicPartition))];
            }

            if (!waitingLogged)
            {
                LogWaitingForTopic(logger, topic);
                waitingLogged = true;
            }

            stoppingToken.WaitHandle.WaitOne(RetryDelay);
        }
    }

    private static TopicPartitionOffset Concrete(IConsumer<string, byte[]> consumer, TopicPartition partition)
    {
        var marks = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10));
        return new TopicPartitionOffset(partition, marks.High > marks.Low ? marks.Low : marks.High);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reading {Topic} from {Offsets}")]
    private static partial void LogAssigned(ILogger logger, string topic, string offsets);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading profile-changes failed ({Reason}); starting over")]
    private static partial void LogFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped the profile-changes record at partition {Partition} offset {Offset}: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, int partition, long offset, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Topic {Topic} has no partitions yet; waiting")]
    private static partial void LogWaitingForTopic(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker cannot look offsets up by time ({Reason}); reading profile-changes from the start of each partition")]
    private static partial void LogNoTimeLookup(ILogger logger, string reason);
}
