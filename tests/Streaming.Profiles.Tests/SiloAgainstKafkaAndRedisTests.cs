using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Streaming.Kafka;
using Streaming.LocalServers;
using Streaming.Profiles.Contracts;
using Streaming.Profiles.Status;
using Streaming.ServiceDefaults;

namespace Streaming.Profiles.Tests;

/// <summary>The service as it runs (web host, silo, consumer) against the local Kafka and a real redis-server.</summary>
public sealed class SiloAgainstKafkaAndRedisTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly KafkaOptions kafkaOptions = new() { TopicPrefix = "t" + Guid.NewGuid().ToString("N")[..10] + "." };
    private LocalKafkaCluster kafka = null!;
    private LocalRedisServer redis = null!;
    private KafkaClients clients = null!;

    public async Task InitializeAsync()
    {
        kafka = LocalKafkaCluster.Start(1, new Dictionary<string, int>());
        kafkaOptions.BootstrapServers = kafka.BootstrapServers;
        foreach (var topic in new[] { Topics.ProductEvents, Topics.ProfileChanges, Topics.DeadLetter })
        {
            kafka.CreateTopic(kafkaOptions.Name(topic), Topics.DefaultPartitions[topic]);
        }

        clients = new KafkaClients(Options.Create(kafkaOptions));
        redis = await LocalRedisServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await redis.DisposeAsync();
        kafka.Dispose();
    }

    [Fact]
    public async Task A_restarted_silo_neither_loses_nor_double_counts()
    {
        var stream = new ProductStream(products: 200, count: 3000, DateTimeOffset.UtcNow);
        var topic = kafkaOptions.Name(Topics.ProductEvents);
        using (var producer = clients.CreateProducer("test"))
        {
            stream.Send(producer, topic, 0, 2000);
            producer.Send(topic, "prod-bad", Encoding.UTF8.GetBytes("{not json"), new SourcePosition(0, 999_999).ToHeaders());
            producer.Send(topic, "prod-bad", JsonSerializer.SerializeToUtf8Bytes(new { event_id = "x" }));
            producer.FlushAndThrowIfFailed(TimeSpan.FromSeconds(30));
        }

        // Disposed without a graceful stop: whatever the last barrier had not stored is read again by the next silo.
        await using (var first = await StartSiloAsync())
        {
            await WaitForAsync(first, s => s.EventsApplied == 2000, "2,000 applied");
            Assert.Equal(2, first.Services.GetRequiredService<ProfilesStatus>().DeadLettered);

            // A barrier stored them all: the offsets of all 2,002 records are committed (only after the state is written).
            await WaitForCommittedAsync(2002);
        }

        // Meanwhile: new events, and the repartitioner re-sends 500 it had sent already (same source positions). They are
        // copies of events the partition carried, so the new silo's identities, read back, drop them before their grains.
        using (var producer = clients.CreateProducer("test"))
        {
            stream.Send(producer, topic, 2000, 3000);
            stream.Send(producer, topic, 1500, 2000);
        }

        await using var second = await StartSiloAsync();
        var status = await WaitForAsync(second, s => s.EventsApplied >= 1000 && s.DuplicatesIgnored + s.RepostsDropped >= 500 && s.ConsumerLag == 0, "the rest applied");
        Assert.Equal(1000, status.EventsApplied);
        Assert.Equal(500, status.RepostsDropped);

        // Every profile, read from storage by the new silo through the gateway's lookup: equal to the totals computed
        // from the input; an id never stored answers zeros (Redis storage tells it has no record).
        var grains = second.Services.GetRequiredService<IGrainFactory>();
        var lookup = grains.GetGrain<IProductProfileLookupGrain>(0);
        Assert.Equal(ProductProfile.Empty("never-stored"), await lookup.GetProfileAsync("never-stored"));
        Assert.Equal(1, status.UnknownProductsAnswered);
        var wrong = new List<string>();
        foreach (var product in stream.Products)
        {
            var shown = ProductStream.Shown(await lookup.GetProfileAsync(product));
            if (shown != stream.Expected(product))
            {
                wrong.Add($"{product}: shown {shown}, expected {stream.Expected(product)}");
            }
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} of {stream.Products.Count} profiles wrong:\n{string.Join("\n", wrong.Take(10))}");

        var letters = Read(Topics.DeadLetter, 2).Select(r => JsonSerializer.Deserialize(r.Message.Value, DeadLetterJsonContext.Default.DeadLetter)!).ToList();
        Assert.Contains(letters, l => l.Reason.Contains("not a valid AppEvent", StringComparison.Ordinal));
        Assert.Contains(letters, l => l.Reason.Contains("no source position", StringComparison.Ordinal));

        // Every product's changes reached profile-changes; the last one of each shows the full bookings count.
        var changes = Read(Topics.ProfileChanges, stream.Products.Count)
            .Select(r => JsonSerializer.Deserialize(r.Message.Value, ProfilesJsonContext.Default.ProfileChange)!).ToList();
        Assert.Equal(stream.Products, changes.Select(c => c.Profile.ProductId).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_apps_re_post_counts_once_and_still_once_after_a_restart()
    {
        var stream = new ProductStream(products: 100, count: 2000, DateTimeOffset.UtcNow, seed: 9);
        var topic = kafkaOptions.Name(Topics.ProductEvents);
        using var producer = clients.CreateProducer("test");
        stream.Send(producer, topic, 0, 1000);
        // The app posted 200 of them twice, and 10 more again with another occurred_at (the first copy counts).
        stream.Repost(producer, topic, Enumerable.Range(0, 200));
        stream.Repost(producer, topic, Enumerable.Range(200, 10), e => e with { OccurredAt = e.OccurredAt.AddSeconds(-30) });
        await using (var first = await StartSiloAsync())
        {
            var status = await WaitForAsync(first, s => s.EventsApplied == 1000 && s.RepostsDropped == 210 && s.ConsumerLag == 0, "1,000 applied, 210 re-posts dropped");
            Assert.Equal(10, status.RepostsChanged);
            Assert.Equal(10, status.DeadLettered);
            await WaitForCommittedAsync(1210);
        }

        // Re-posts of events the first silo read, read by a silo that has never seen them: it reads the partitions back.
        stream.Send(producer, topic, 1000, 2000);
        stream.Repost(producer, topic, Enumerable.Range(500, 300).Concat(Enumerable.Range(1900, 100)));
        await using var second = await StartSiloAsync();
        var after = await WaitForAsync(second, s => s.EventsApplied == 1000 && s.RepostsDropped == 400 && s.ConsumerLag == 0, "1,000 more applied, 400 re-posts dropped");
        Assert.Equal(1210, after.IdentitiesReadBack); // every record before the committed offsets is within the hour
        Assert.Equal(0, after.RebuildsCutShort);

        var wrong = new List<string>();
        var grains = second.Services.GetRequiredService<IGrainFactory>();
        foreach (var product in stream.Products)
        {
            var shown = ProductStream.Shown(await grains.GetGrain<IProductProfileGrain>(product).GetProfileAsync());
            if (shown != stream.Expected(product))
            {
                wrong.Add($"{product}: shown {shown}, expected {stream.Expected(product)}");
            }
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} of {stream.Products.Count} profiles wrong:\n{string.Join("\n", wrong.Take(10))}");
        var letters = Read(Topics.DeadLetter, 10).Select(r => JsonSerializer.Deserialize(r.Message.Value, DeadLetterJsonContext.Default.DeadLetter)!).ToList();
        Assert.Equal(10, letters.Count(l => l.Reason.StartsWith("re-sent event with different content", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task While_Redis_is_down_input_pauses_reads_answer_and_nothing_is_lost_after()
    {
        var stream = new ProductStream(products: 100, count: 2000, DateTimeOffset.UtcNow, seed: 5);
        var topic = kafkaOptions.Name(Topics.ProductEvents);
        using var producer = clients.CreateProducer("test");
        await using (var silo = await StartSiloAsync())
        {
            stream.Send(producer, topic, 0, 1000);
            await WaitForAsync(silo, s => s.EventsApplied == 1000, "1,000 applied");
            // The local Redis syncs its append-only file on every write, so what a barrier stored survives the crash; let a
            // barrier (every 500 ms here) store the first 1,000 events' state before it.
            await Task.Delay(2500);

            var outage = redis.CrashAndRestartAsync(TimeSpan.FromSeconds(8));
            stream.Send(producer, topic, 1000, 2000);
            var status = await WaitForAsync(silo, s => s.FlushFailures > 0, "a barrier failing while Redis is down");
            var grains = silo.Services.GetRequiredService<IGrainFactory>();
            // Live activations keep answering from memory.
            var live = await grains.GetGrain<IProductProfileGrain>(stream.Products[0]).GetProfileAsync().WaitAsync(TimeSpan.FromSeconds(5));
            Assert.NotNull(live.AsOf);
            await outage;

            await WaitForAsync(silo, s => s.EventsApplied == 2000 && s.ConsumerLag == 0, "all applied once Redis is back");
            Assert.True(status.FlushFailures > 0);
            // One more barrier after the catch-up writes everything (1 s apart at most here).
            await Task.Delay(1500);
        }

        // A new silo reads every profile from Redis: nothing the first one applied was lost or counted twice.
        await using var next = await StartSiloAsync();
        await WaitForAsync(next, s => s.Partitions > 0 && s.ConsumerLag == 0, "the new silo caught up");
        var fresh = next.Services.GetRequiredService<IGrainFactory>();
        var wrong = new List<string>();
        foreach (var product in stream.Products)
        {
            var shown = ProductStream.Shown(await fresh.GetGrain<IProductProfileGrain>(product).GetProfileAsync());
            if (shown != stream.Expected(product))
            {
                wrong.Add($"{product}: shown {shown}, expected {stream.Expected(product)}");
            }
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} profiles wrong:\n{string.Join("\n", wrong.Take(10))}");
    }

    [Fact]
    public async Task A_booking_reaches_profile_changes_within_two_seconds()
    {
        await using var silo = await StartSiloAsync();
        var topic = kafkaOptions.Name(Topics.ProductEvents);
        using var producer = clients.CreateProducer("test");
        using var changes = clients.CreateConsumerBuilder("reader-" + Guid.NewGuid().ToString("N"), "reader").Build();
        var changesTopic = kafkaOptions.Name(Topics.ProfileChanges);
        changes.Assign(Enumerable.Range(0, Topics.DefaultPartitions[Topics.ProfileChanges]).Select(p => new TopicPartitionOffset(changesTopic, p, Offset.End)));
        // Warm up: the consumer owns its partitions and the first grain call is done.
        var warmUp = new ProductStream(products: 1, count: 1, DateTimeOffset.UtcNow, seed: 1);
        warmUp.Send(producer, topic, 0, 1);
        await WaitForAsync(silo, s => s.EventsApplied == 1, "the warm-up event applied");
        while (changes.Consume(TimeSpan.FromMilliseconds(500)) is not null)
        {
            // Skip the warm-up's change.
        }

        var booking = new Events.AppEventBuilder("prod-latency").Booking(DateTimeOffset.UtcNow, "Busan");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        producer.Send(topic, "prod-latency", JsonSerializer.SerializeToUtf8Bytes(booking, Streaming.Events.EventJsonContext.Default.AppEvent), new SourcePosition(3, 1).ToHeaders());
        ProfileChange? change = null;
        while (change is null && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (changes.Consume(TimeSpan.FromMilliseconds(50)) is { IsPartitionEOF: false } record && record.Message.Key == "prod-latency")
            {
                change = JsonSerializer.Deserialize(record.Message.Value, ProfilesJsonContext.Default.ProfileChange);
            }
        }

        var latency = clock.Elapsed;
        Assert.NotNull(change);
        Assert.True(latency < TimeSpan.FromSeconds(2), $"the change took {latency.TotalMilliseconds:0} ms");
        Assert.Equal("Busan", Assert.Single(change.NewBookings).City);
        Assert.Equal(1, change.Profile.BookingsLastHour);
    }

    private async Task<WebApplication> StartSiloAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Kafka:BootstrapServers"] = kafka.BootstrapServers,
            ["Kafka:TopicPrefix"] = kafkaOptions.TopicPrefix,
            ["Kafka:SessionTimeoutMs"] = "6000",
            ["Orleans:Redis"] = redis.ConnectionString,
            ["Orleans:ClusterId"] = kafkaOptions.TopicPrefix.TrimEnd('.'),
            ["Orleans:SiloPort"] = LoopbackPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = LoopbackPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ProductEvents:FlushInterval"] = "00:00:00.500",
        });
        builder.AddServiceDefaults();
        builder.AddProfiles();
        var app = builder.Build();
        app.MapServiceDefaults();
        app.MapProfileEndpoints();
        await app.StartAsync();
        return app;
    }

    private async Task WaitForCommittedAsync(long records)
    {
        var topic = kafkaOptions.Name(Topics.ProductEvents);
        var partitions = Enumerable.Range(0, Topics.DefaultPartitions[Topics.ProductEvents]).Select(p => new TopicPartition(topic, p)).ToList();
        using var probe = clients.CreateConsumerBuilder("profiles", "commit-probe").Build();
        var deadline = DateTime.UtcNow + Timeout;
        long committed;
        while ((committed = probe.Committed(partitions, TimeSpan.FromSeconds(10)).Sum(o => Math.Max(0, o.Offset.Value))) < records)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Not committed within {Timeout.TotalSeconds:0} s: {committed} of {records} records");
            await Task.Delay(100);
        }
    }

    private static async Task<ProfilesStatus> WaitForAsync(WebApplication silo, Func<ProfilesStatus, bool> condition, string what)
    {
        var status = silo.Services.GetRequiredService<ProfilesStatus>();
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition(status))
        {
            Assert.True(DateTime.UtcNow < deadline,
                $"Not reached within {Timeout.TotalSeconds:0} s: {what}; applied {status.EventsApplied}, duplicates {status.DuplicatesIgnored}, re-posts {status.RepostsDropped}, lag {status.ConsumerLag}");
            await Task.Delay(100);
        }

        return status;
    }

    private List<ConsumeResult<string, byte[]>> Read(string topic, int atLeast)
    {
        using var consumer = clients.CreateConsumerBuilder("reader-" + Guid.NewGuid().ToString("N"), "reader").Build();
        var name = kafkaOptions.Name(topic);
        consumer.Assign(Enumerable.Range(0, Topics.DefaultPartitions[topic]).Select(p => new TopicPartitionOffset(name, p, Offset.Beginning)));
        var records = new List<ConsumeResult<string, byte[]>>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(300)) is { IsPartitionEOF: false } record)
            {
                records.Add(record);
            }
            else if (records.Count >= atLeast)
            {
                break;
            }
        }

        consumer.Close();
        return records;
    }
}
