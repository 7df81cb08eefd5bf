using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.Windows;

namespace Streaming.Aggregator.Bookings;

/// <summary>
/// product-events (keyed by product) → one-minute event-time windows of confirmed bookings per (product, currency) → metrics.bookings.
/// Input offsets are committed only up to the first record of a still-open window, after its results were flushed.
/// </summary>
public sealed partial class BookingsTopology(
    KafkaClients kafka,
    IOptions<AggregatorOptions> options,
    TimeProvider clock,
    ILogger<BookingsTopology> logger,
    IHostApplicationLifetime lifetime) : ConsumeLoopService(logger, lifetime)
{
    private readonly Dictionary<TopicPartition, PartitionState> partitions = [];
    private readonly List<WindowResult<(string Product, string Currency), BookingTotals>> emitted = [];
    private readonly string outputTopic = kafka.Options.Name(Topics.MetricsBookings);
    private IProducer<string, byte[]>? producer;
    private DateTimeOffset nextCommit;

    protected override IReadOnlyCollection<string> InputTopics => [kafka.Options.Name(Topics.ProductEvents)];

    protected override IConsumer<string, byte[]> CreateConsumer()
    {
        producer = kafka.CreateProducer("aggregator-bookings");
        return kafka.CreateConsumerBuilder(options.Value.GroupId, "aggregator-bookings")
            .SetPartitionsAssignedHandler((_, assigned) =>
            {
                foreach (var tp in assigned)
                {
                    partitions[tp] = new PartitionState(new PartitionWindows<(string, string), BookingTotals>(
                        options.Value.ToWindowOptions(), static () => new BookingTotals(), static t => t.Copy(), clock));
                }

                LogAssigned(logger, string.Join(",", assigned.Select(tp => tp.Partition.Value)));
            })
            .SetPartitionsRevokedHandler((consumer, revoked) =>
            {
                // Results already emitted are flushed; open windows are re-read by the next owner from the safe offset.
                FlushAndCommit(consumer);
                foreach (var tpo in revoked)
                {
                    partitions.Remove(tpo.TopicPartition);
                }
            })
            .Build();
    }

    protected override void Handle(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record)
    {
        if (!partitions.TryGetValue(record.TopicPartition, out var state))
        {
            return;
        }

        state.NextOffset = record.Offset.Value + 1;
        // The repartitioner wrote only readable events here.
        var appEvent = JsonSerializer.Deserialize(record.Message.Value, EventJsonContext.Default.AppEvent);
        if (appEvent is not { Type: EventTypes.BookingConfirmed, ProductId: not null })
        {
            return;
        }

        var amount = appEvent.Amount ?? 0;
        state.Windows.Add((appEvent.ProductId, appEvent.Currency ?? ""), appEvent.OccurredAt, record.Offset.Value, totals =>
        {
            totals.Bookings++;
            totals.RevenueMinor += amount;
        }, emitted);
    }

    protected override void Tick(IConsumer<string, byte[]> consumer)
    {
        foreach (var state in partitions.Values)
        {
            state.Windows.Advance(emitted);
        }

        ProduceEmitted();
        if (clock.GetUtcNow() >= nextCommit)
        {
            FlushAndCommit(consumer);
            nextCommit = clock.GetUtcNow() + options.Value.CommitInterval;
        }
    }

    protected override void Stopping(IConsumer<string, byte[]> consumer) => FlushAndCommit(consumer);

    private void ProduceEmitted()
    {
        foreach (var result in emitted)
        {
            var (product, currency) = result.Key;
            var value = new BookingsPerMinute(result.WindowStart, product, currency, result.Revision, result.Value.Bookings, result.Value.RevenueMinor);
            var key = string.Create(CultureInfo.InvariantCulture, $"{product}|{currency}|{result.WindowStart.ToUnixTimeSeconds()}");
            producer!.Produce(outputTopic, new Message<string, byte[]>
            {
                Key = key,
                Value = JsonSerializer.SerializeToUtf8Bytes(value, EventJsonContext.Default.BookingsPerMinute),
            });
        }

        emitted.Clear();
    }

    private void FlushAndCommit(IConsumer<string, byte[]> consumer)
    {
        ProduceEmitted();
        producer!.Flush(TimeSpan.FromSeconds(30));
        var offsets = partitions
            .Where(p => p.Value.NextOffset >= 0)
            .Select(p => new TopicPartitionOffset(p.Key, new Offset(p.Value.Windows.SafeOffset(p.Value.NextOffset)!.Value)))
            .Where(tpo => tpo.Offset.Value > 0)
            .ToList();
        if (offsets.Count > 0)
        {
            try
            {
                consumer.Commit(offsets);
            }
            catch (KafkaException ex)
            {
                LogCommitFailed(logger, ex.Error.Reason);
            }
        }
    }

    public override void Dispose()
    {
        producer?.Flush(TimeSpan.FromSeconds(10));
        producer?.Dispose();
        base.Dispose();
    }

    private sealed class PartitionState(PartitionWindows<(string, string), BookingTotals> windows)
    {
        public PartitionWindows<(string, string), BookingTotals> Windows { get; } = windows;

        public long NextOffset { get; set; } = -1;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Assigned partitions {Partitions}")]
    private static partial void LogAssigned(ILogger logger, string partitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Committing offsets failed: {Reason}")]
    private static partial void LogCommitFailed(ILogger logger, string reason);
}
