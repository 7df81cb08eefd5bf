using System.Collections.Concurrent;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Streaming.Kafka;
using Streaming.Profiles.Contracts;

namespace Streaming.Benchmarks.Widgets;

/// <summary>
/// Reads profile-changes beside the gateway (every partition from its end, no group), to split the fan-out's latency
/// in two: Kafka's acknowledgement of the booking → the silo emits the change (EmittedAt: the product-events stage, the
/// silo's consumer and grain), and the emission → the subscriber (profile-changes, the gateway and its streams).
/// </summary>
internal sealed class ProfileChangesProbe : IDisposable
{
    private readonly ConcurrentDictionary<(string Product, long Bookings), (DateTimeOffset Emitted, DateTimeOffset Read)> firstEmitted = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Thread thread;

    /// <param name="fetchWaitMaxMs">null: the client's default (500 ms), as the gateway's reader has.</param>
    public ProfileChangesProbe(string bootstrap, int? fetchWaitMaxMs = null)
    {
        // The fleet's reader settings; building it also loads librdkafka from its NuGet package.
        var reader = new KafkaClients(Options.Create(new KafkaOptions { BootstrapServers = bootstrap })).CreateReaderBuilder("bench-sse-probe");
        var consumer = fetchWaitMaxMs is { } wait
            ? new ConsumerBuilder<string, byte[]>(new ConsumerConfig
            {
                BootstrapServers = bootstrap,
                GroupId = "bench-sse-probe-" + Guid.NewGuid().ToString("N"),
                EnableAutoCommit = false,
                EnableAutoOffsetStore = false,
                FetchWaitMaxMs = wait,
            }).Build()
            : reader.Build();
        consumer.Assign(Enumerable.Range(0, Topics.DefaultPartitions[Topics.ProfileChanges])
            .Select(p => new TopicPartitionOffset(Topics.ProfileChanges, p, Offset.End)));
        thread = new Thread(() => Read(consumer)) { IsBackground = true, Name = "profile-changes probe" };
        thread.Start();
    }

    /// <summary>
    /// When the silo first emitted a change of <paramref name="product"/> showing <paramref name="bookings"/> bookings, and
    /// when this plain consumer (the client's default fetch settings, as the gateway's) read it: one Kafka hop.
    /// </summary>
    public (DateTimeOffset Emitted, DateTimeOffset Read)? Change(string product, long bookings) =>
        firstEmitted.TryGetValue((product, bookings), out var at) ? at : null;

    /// <summary>Waits (up to <paramref name="timeout"/>) until a change showing <paramref name="bookings"/> of every product was read.</summary>
    public async Task WaitForAsync(IReadOnlyCollection<string> products, long bookings, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (products.Any(p => !firstEmitted.ContainsKey((p, bookings))) && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }

    private void Read(IConsumer<string, byte[]> consumer)
    {
        using (consumer)
        {
            while (!stop.IsCancellationRequested)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is not { Message.Value: { } value })
                {
                    continue;
                }

                var read = DateTimeOffset.UtcNow;
                var change = JsonSerializer.Deserialize(value, ProfilesJsonContext.Default.ProfileChange)!;
                firstEmitted.TryAdd((change.Profile.ProductId, change.Profile.BookingsLast24h), (change.EmittedAt, read));
            }

            consumer.Close();
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        thread.Join(TimeSpan.FromSeconds(5));
        stop.Dispose();
    }
}
