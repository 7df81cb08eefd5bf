using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.LocalServers;
using Streaming.Orleans.Feeds;
using Streaming.PushTrigger.Feeds;

namespace Streaming.PushTrigger.Tests;

/// <summary>
/// The user feed against the local Kafka and the in-process push grains: an app's re-post of a view (same
/// <c>user_id</c> and <c>event_id</c>, a second request) is dropped before the grains, so it never counts toward a rule.
/// </summary>
[Collection(PushClusterCollection.Name)]
public sealed class RepostTests(PushCluster fixture)
{
    private readonly string id = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Two_views_each_posted_twice_are_two_views_so_viewed_not_booked_stays_quiet()
    {
        using var kafka = LocalKafkaCluster.Start(1, new Dictionary<string, int> { [Topics.Events] = 2, [Topics.DeadLetter] = 1 });
        var now = PushCluster.Clock.GetUtcNow();
        var reposter = "reposter-" + id;
        var viewer = "viewer-" + id; // three distinct views: the rule fires, so the feed and the rule do run here
        var events = new List<AppEvent>
        {
            View(reposter, "v1", now.AddMinutes(-50), now.AddMinutes(-50)),
            View(reposter, "v2", now.AddMinutes(-40), now.AddMinutes(-40)),
            View(reposter, "v1", now.AddMinutes(-50), now.AddMinutes(-39)), // the app posts both again (a retry): new requests
            View(reposter, "v2", now.AddMinutes(-40), now.AddMinutes(-38)),
            View(viewer, "w1", now.AddMinutes(-59), now.AddMinutes(-59)),
            View(viewer, "w2", now.AddMinutes(-50), now.AddMinutes(-50)),
            View(viewer, "w3", now.AddMinutes(-45), now.AddMinutes(-45)),
        };

        await FeedAsync(kafka.BootstrapServers, events, partitions: 2);

        var fired = Assert.Single(PushCluster.Decisions.Of(viewer).Distinct());
        Assert.Equal("viewed-not-booked", fired.Rule);
        Assert.Empty(PushCluster.Decisions.Of(reposter));
    }

    [Fact]
    public async Task A_blank_city_is_dead_lettered_with_its_reason_and_the_events_around_it_count()
    {
        using var kafka = LocalKafkaCluster.Start(1, new Dictionary<string, int> { [Topics.Events] = 1, [Topics.DeadLetter] = 1 });
        var now = PushCluster.Clock.GetUtcNow();
        var viewer = "blank-city-" + id;
        var events = new List<AppEvent>
        {
            View(viewer, "b1", now.AddMinutes(-59), now.AddMinutes(-59)),
            View(viewer, "b2", now.AddMinutes(-55), now.AddMinutes(-55)) with { City = " " }, // Orleans refuses a blank grain key
            View(viewer, "b3", now.AddMinutes(-50), now.AddMinutes(-50)),
            View(viewer, "b4", now.AddMinutes(-45), now.AddMinutes(-45)),
        };

        await FeedAsync(kafka.BootstrapServers, events, partitions: 1);

        // The three other views count: viewed_not_booked (3 views) fires.
        Assert.Equal("viewed-not-booked", Assert.Single(PushCluster.Decisions.Of(viewer).Distinct()).Rule);
        var letter = Assert.Single(ReadAll(kafka.BootstrapServers, Topics.DeadLetter));
        Assert.Contains("city-audience grain key is blank", letter, StringComparison.Ordinal);
    }

    /// <summary>Produces <paramref name="events"/> to <c>events</c>, runs the user feed until it has committed them all, and stops it.</summary>
    private async Task FeedAsync(string bootstrap, List<AppEvent> events, int partitions)
    {
        await using var services = Services(bootstrap);
        using (var producer = services.GetRequiredService<KafkaClients>().CreateProducer("feed-test"))
        {
            foreach (var e in events)
            {
                producer.Send(Topics.Events, e.UserId, JsonSerializer.SerializeToUtf8Bytes(e, EventJsonContext.Default.AppEvent), timestamp: e.OccurredAt);
            }

            producer.FlushAndThrowIfFailed(TimeSpan.FromSeconds(10));
        }

        using var feed = ActivatorUtilities.CreateInstance<UserEventFeed>(services);
        await feed.StartAsync(CancellationToken.None);
        try
        {
            await PushPipelineTests.WaitUntilAsync(
                () => PushPipelineTests.Committed(bootstrap, UserEventFeed.Group, Topics.Events, partitions) >= events.Count, "the feed to commit every event");
        }
        finally
        {
            await feed.StopAsync(CancellationToken.None);
        }
    }

    private static List<string> ReadAll(string bootstrap, string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap, GroupId = "poison-test-" + Guid.NewGuid().ToString("N"), AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = true,
        }).Build();
        consumer.Assign(new TopicPartition(topic, 0));
        var letters = new List<string>();
        while (consumer.Consume(TimeSpan.FromSeconds(5)) is { } record && !record.IsPartitionEOF)
        {
            letters.Add(record.Message.Value);
        }

        return letters;
    }

    private static AppEvent View(string user, string eventId, DateTimeOffset at, DateTimeOffset received) =>
        new(eventId, EventTypes.ProductView, user, "s-" + user, "tour-" + user, at, "ios", "KR", "Busan", null, null, received);

    private ServiceProvider Services(string bootstrap)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PushFeeds:FlushInterval"] = "00:00:00.200",
        }).Build());
        services.AddSingleton(Options.Create(new KafkaOptions { BootstrapServers = bootstrap, SessionTimeoutMs = 6000 }));
        services.AddSingleton<KafkaClients>();
        services.AddSingleton(sp => sp.GetRequiredService<KafkaClients>().CreateProducer("push-trigger-test"));
        services.AddSingleton(fixture.Cluster.GrainFactory);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IHostApplicationLifetime, ApplicationLifetime>();
        services.AddGrainFeedOptions(UserEventFeed.Group, FeedOptions.Section);
        return services.BuildServiceProvider();
    }
}
