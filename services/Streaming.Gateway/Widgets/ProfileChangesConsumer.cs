using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Streaming.Kafka;
using Streaming.Profiles.Contracts;

namespace Streaming.Gateway.Widgets;

/// <summary>
/// Reads profile-changes into the <see cref="ProfileChangesHub"/> and the <see cref="JustBookedFeed"/>. Every gateway
/// instance reads every partition (Assign, no consumer group, nothing committed), starting at the offsets of
/// now − <see cref="WidgetOptions.History"/>, so a fresh instance knows the last day's bookings. A failure never stops
/// the gateway: the loop logs, waits and starts over.
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

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var consumer = kafka.CreateReaderBuilder("gateway-profile-changes").Build();
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
            catch (Exception e) when (e is KafkaException or InvalidOperationException)
            {
                LogFailed(logger, e.Message);
                stoppingToken.WaitHandle.WaitOne(RetryDelay);
            }
        }
    }

    private void Consume(IConsumer<string, byte[]> consumer, CancellationToken stoppingToken)
    {
        var topic = kafka.Options.Name(Topics.ProfileChanges);
        consumer.Assign(StartOffsets(consumer, topic, stoppingToken));
        assigned.TrySetResult();
        var nextPrune = time.GetTimestamp();
        while (!stoppingToken.IsCancellationRequested)
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (record?.Message is { } message)
            {
                Handle(record.TopicPartitionOffset, message.Value);
            }

            if (time.GetTimestamp() >= nextPrune)
            {
                hub.Prune(options.Value.History);
                justBooked.Prune();
                nextPrune = time.GetTimestamp() + (long)(PruneInterval.TotalSeconds * time.TimestampFrequency);
            }
        }
    }

    private void Handle(TopicPartitionOffset position, byte[]? value)
    {
        if (!RecordJson.TryRead(value, ProfilesJsonContext.Default.ProfileChange, out var change, out var reason) || change.Profile is null)
        {
            // The silo owns this topic; a record the gateway cannot read is skipped and logged, not fatal.
            LogUnreadable(logger, position.Partition.Value, position.Offset.Value, reason ?? "no profile");
            return;
        }

        ChangesRead++;
        hub.Publish(change);
        if (change.NewBookings is { Count: > 0 } bookings)
        {
            justBooked.Add(bookings);
        }
    }

    /// <summary>Each partition's first offset at or after now − History; the partition's start when the broker cannot look up times.</summary>
    private List<TopicPartitionOffset> StartOffsets(IConsumer<string, byte[]> consumer, string topic, CancellationToken stoppingToken)
    {
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        while (true)
        {
            stoppingToken.ThrowIfCancellationRequested();
            var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.SingleOrDefault(t => t.Topic == topic);
            if (metadata is { Error.IsError: false, Partitions.Count: > 0 })
            {
                var since = new Timestamp(time.GetUtcNow() - options.Value.History);
                var partitions = metadata.Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).OrderBy(p => p.Partition.Value).ToList();
                try
                {
                    // No record since then: the partition's end (Offset.End), which is what the lookup answers.
                    return consumer.OffsetsForTimes(partitions.Select(p => new TopicPartitionTimestamp(p, since)), TimeSpan.FromSeconds(10));
                }
                catch (KafkaException e)
                {
                    LogNoTimeLookup(logger, e.Message);
                }

                return [.. partitions.Select(p => new TopicPartitionOffset(p, Offset.Beginning))];
            }

            LogWaitingForTopic(logger, topic);
            stoppingToken.WaitHandle.WaitOne(RetryDelay);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading profile-changes failed ({Reason}); starting over")]
    private static partial void LogFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped the profile-changes record at partition {Partition} offset {Offset}: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, int partition, long offset, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Topic {Topic} has no partitions yet; waiting")]
    private static partial void LogWaitingForTopic(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker cannot look offsets up by time ({Reason}); reading profile-changes from the start")]
    private static partial void LogNoTimeLookup(ILogger logger, string reason);
}
