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
        }

        // Meanwhile: new events, and the repartitioner re-sends 500 it had sent already.
        using (var producer = clients.CreateProducer("test"))
        {
            stream.Send(producer, topic, 2000, 3000);
            stream.Send(producer, topic, 1500, 2000);
        }

        await using var second = await StartSiloAsync();
        var status = await WaitForAsync(second, s => s.EventsApplied >= 1000 && s.DuplicatesIgnored >= 500 && s.ConsumerLag == 0, "the rest applied");
        Assert.Equal(1000, status.EventsApplied);

        // Every profile, read from storage by the new silo: equal to the totals computed from the input.
        var grains = second.Services.GetRequiredService<IGrainFactory>();
        var wrong = new List<string>();
        foreach (var product in stream.Products)
        {
            var shown = ProductStream.Shown(await grains.GetGrain<IProductProfileGrain>(product).GetProfileAsync());
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

    private static async Task<ProfilesStatus> WaitForAsync(WebApplication silo, Func<ProfilesStatus, bool> condition, string what)
    {
        var status = silo.Services.GetRequiredService<ProfilesStatus>();
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition(status))
        {
            Assert.True(DateTime.UtcNow < deadline,
                $"Not reached within {Timeout.TotalSeconds:0} s: {what}; applied {status.EventsApplied}, duplicates {status.DuplicatesIgnored}, lag {status.ConsumerLag}");
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
