using System.Collections.Concurrent;
using System.Text.Json;
using Confluent.Kafka;
using Streaming.Kafka;
using Streaming.Push.Contracts;

namespace Streaming.Benchmarks.Push;

/// <summary>
/// Reads push-decisions from its start (no group) beside the fleet: counts rows per rule kind and outcome, and keeps
/// when each push was decided and when this reader saw it (the latency benchmark's "decided" hop).
/// </summary>
internal sealed class PushDecisionsReader : IDisposable
{
    private readonly ConcurrentDictionary<(string Kind, string Outcome), long> counts = new();
    private readonly ConcurrentDictionary<string, (DateTimeOffset DecidedAt, DateTimeOffset Read, string Outcome, string Reason)> firstRows = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stop = new();
    private readonly Thread thread;
    private readonly bool keepRows;
    private long rows;

    /// <param name="keepRows">Keep each push's first row (the latency benchmark); the CPU benchmark only counts.</param>
    public PushDecisionsReader(KafkaClients clients, string topic, int partitions, bool keepRows, int? fetchWaitMaxMs = null)
    {
        this.keepRows = keepRows;
        var config = new ConsumerConfig
        {
            BootstrapServers = clients.Options.BootstrapServers,
            GroupId = "push-bench-reader-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            FetchWaitMaxMs = fetchWaitMaxMs ?? clients.Options.FetchWaitMaxMs,
        };
        _ = clients.CreateReaderBuilder("push-bench-reader"); // loads librdkafka from its NuGet package
        var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        thread = new Thread(() => Read(consumer)) { IsBackground = true, Name = "push-decisions reader" };
        thread.Start();
    }

    public long Rows => Interlocked.Read(ref rows);

    /// <summary>Rows per (rule kind, outcome) so far.</summary>
    public IReadOnlyDictionary<(string Kind, string Outcome), long> Counts() => counts.ToDictionary(c => c.Key, c => c.Value);

    /// <summary>The first row read about a push: when the trigger decided it and when this reader saw it.</summary>
    public (DateTimeOffset DecidedAt, DateTimeOffset Read, string Outcome, string Reason)? First(string pushId) =>
        firstRows.TryGetValue(pushId, out var row) ? row : null;

    private void Read(IConsumer<string, byte[]> consumer)
    {
        using (consumer)
        {
            while (!stop.IsCancellationRequested)
            {
                ConsumeResult<string, byte[]>? record;
                try
                {
                    record = consumer.Consume(TimeSpan.FromMilliseconds(100));
                }
                catch (ConsumeException)
                {
                    continue; // e.g. the local Kafka dropped records before they were read: the counts say less than the ends
                }

                if (record is not { Message.Value: { } value })
                {
                    continue;
                }

                var read = DateTimeOffset.UtcNow;
                var row = JsonSerializer.Deserialize(value, PushJsonContext.Default.PushDecisionRecord);
                if (row is null)
                {
                    continue;
                }

                Interlocked.Increment(ref rows);
                counts.AddOrUpdate((row.RuleKind, row.Outcome), 1, (_, n) => n + 1);
                if (keepRows)
                {
                    firstRows.TryAdd(row.PushId, (row.DecidedAt, read, row.Outcome, row.Reason));
                }
            }

            consumer.Close();
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        thread.Join();
        stop.Dispose();
    }
}
