using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.DevHost.Fleet;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.LocalServers;
using Streaming.Profiles.Contracts;
using Streaming.Push.Contracts;
using Streaming.PushTrigger.Decisions;
using Xunit.Abstractions;

namespace Streaming.PushTrigger.Tests;

/// <summary>
/// The push trigger and the delivery worker as processes against the local Kafka and a real Redis, with a receiver
/// that records pushes by Idempotency-Key (and refuses some first attempts with 429 or 503). A deterministic stream:
/// day users (local noon) wishlist two products each, night users (local 23:00) one, some users booked theirs; then
/// every product's bookings in the last hour cross 5; viewers look at a product three times (viewed_not_booked fires
/// 20 s after the last view, by a reminder). Each process is killed with SIGKILL at random points. Afterwards every
/// viewer got one push, every day user exactly one (the second is within the 1 h gap), night users none (held for quiet hours),
/// booked users none, and push_decisions in ClickHouse (written by the sink process from push-decisions) explains
/// every one: sent, suppressed by the gap, held.
/// </summary>
public sealed partial class PushPipelineTests(ITestOutputHelper output)
{
    private const int DayUsers = 60;
    private const int NightUsers = 20;
    private const int BookedUsers = 10;
    private const int Viewers = 10;
    private const string ViewedRule = "viewed";
    private const int Products = 6;
    private const string Rule = "wishlist-selling-fast";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(150);

    [Fact]
    public async Task SIGKILL_of_the_trigger_and_the_delivery_worker_leaves_every_push_delivered_once_and_explained()
    {
        var random = new Random(5);
        var logs = Path.Combine(AppContext.BaseDirectory, "push-pipeline-logs");
        if (Directory.Exists(logs))
        {
            Directory.Delete(logs, recursive: true);
        }

        Directory.CreateDirectory(logs);
        using var kafka = LocalKafkaCluster.Start(1, new Dictionary<string, int>
        {
            [Topics.Events] = 6, [Topics.ProfileChanges] = 3, [Topics.PushCommands] = 1, [Topics.PushDecisions] = 1,
            [Topics.PushDeadLetter] = 1, [Topics.DeadLetter] = 1,
        });
        await using var redis = await LocalRedisServer.StartAsync();
        await using var clickHouseServer = await LocalClickHouseServer.StartAsync();
        using var clickHouseHttp = new HttpClient();
        var clickHouse = new ClickHouseClient(clickHouseHttp, Options.Create(new ClickHouseOptions
        {
            Url = clickHouseServer.Url, Database = "push_" + Guid.NewGuid().ToString("N")[..10],
        }));
        await using var receiver = await PushReceiver.StartAsync();
        var common = new Dictionary<string, string>
        {
            ["Kafka__BootstrapServers"] = kafka.BootstrapServers,
            ["Kafka__SessionTimeoutMs"] = "6000",
        };
        await using var pipeline = new Pipeline();
        pipeline.Trigger = Start(LocalFleet.PushTrigger, logs, new Dictionary<string, string>(common)
        {
            ["Orleans__Redis"] = redis.ConnectionString,
            ["Orleans__SiloPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
            ["PushFeeds__FlushInterval"] = "00:00:01",
            // The default wishlist rule, and viewed_not_booked 20 s after the last view: its check is a reminder in
            // Redis when the trigger is killed.
            ["PushTrigger__Rules__0__Id"] = Rule,
            ["PushTrigger__Rules__0__Kind"] = "wishlist_selling_fast",
            ["PushTrigger__Rules__0__Title"] = "Selling fast: {product_id}",
            ["PushTrigger__Rules__0__Body"] = "{bookings_last_hour} booked it in the last hour",
            ["PushTrigger__Rules__1__Id"] = ViewedRule,
            ["PushTrigger__Rules__1__Kind"] = "viewed_not_booked",
            ["PushTrigger__Rules__1__Delay"] = "00:00:20",
            ["PushTrigger__Rules__1__Title"] = "Still thinking about {product_id}?",
            ["PushTrigger__Rules__1__Body"] = "{views} views",
        });
        pipeline.Delivery = Start(LocalFleet.PushDelivery, logs, new Dictionary<string, string>(common)
        {
            ["PushDelivery__Endpoint"] = receiver.Url,
            ["PushDelivery__InitialBackoff"] = "00:00:00.200",
        });
        pipeline.Sink = Start(LocalFleet.ClickHouseSink, logs, new Dictionary<string, string>(common)
        {
            ["ClickHouse__Url"] = clickHouseServer.Url,
            ["ClickHouse__Database"] = clickHouse.Database,
            ["Sink__BatchAge"] = "00:00:00.200",
            ["Ledger__Enabled"] = "false",
        });
        await Task.WhenAll(WaitHealthyAsync(pipeline.Trigger), WaitHealthyAsync(pipeline.Delivery), WaitHealthyAsync(pipeline.Sink));

        var now = DateTimeOffset.UtcNow;
        var stream = new Stream(now);
        using var producer = new KafkaClients(Options.Create(new KafkaOptions { BootstrapServers = kafka.BootstrapServers })).CreateProducer("pipeline-test");

        // 1. The users' events, in slices; the trigger is killed once on the way.
        var killAt = random.Next(2, stream.Events.Count / 20 - 2);
        for (var slice = 0; slice * 20 < stream.Events.Count; slice++)
        {
            foreach (var e in stream.Events.Skip(slice * 20).Take(20))
            {
                producer.Send(Topics.Events, e.UserId, JsonSerializer.SerializeToUtf8Bytes(e, EventJsonContext.Default.AppEvent), timestamp: e.OccurredAt);
            }

            producer.FlushAndThrowIfFailed(TimeSpan.FromSeconds(10));
            if (slice == killAt)
            {
                pipeline.Trigger = await pipeline.Trigger.CrashAndRestartAsync();
                output.WriteLine($"SIGKILL push trigger after event slice {slice}");
                await WaitHealthyAsync(pipeline.Trigger);
            }

            await Task.Delay(100);
        }

        // The product rules see the wishlists only once the trigger has applied (and written) them.
        await WaitUntilAsync(() => Committed(kafka.BootstrapServers, "push-users", Topics.Events, 6) >= stream.Events.Count, "push-users to commit every event");

        // 2. Every product crosses 5 bookings in the last hour; the trigger and the worker are killed meanwhile.
        var changes = stream.Changes().ToList();
        // While the crossings (version 2 of each product) are being decided.
        var triggerKill = random.Next(Products, 2 * Products);
        var crossedAt = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            producer.Send(Topics.ProfileChanges, change.Profile.ProductId, JsonSerializer.SerializeToUtf8Bytes(change, ProfilesJsonContext.Default.ProfileChange));
            producer.FlushAndThrowIfFailed(TimeSpan.FromSeconds(10));
            if (change.Version == 2)
            {
                crossedAt[change.Profile.ProductId] = DateTimeOffset.UtcNow;
            }
            if (i == triggerKill)
            {
                await Task.Delay(random.Next(0, 800));
                pipeline.Trigger = await pipeline.Trigger.CrashAndRestartAsync();
                output.WriteLine($"SIGKILL push trigger after profile change {i} ({receiver.Delivered.Count} pushes received so far)");
            }

            await Task.Delay(50);
        }

        foreach (var atCount in new[] { random.Next(1, DayUsers / 3), random.Next(DayUsers / 2, DayUsers - 5) })
        {
            await WaitUntilAsync(() => receiver.Delivered.Count >= atCount, $"{atCount} pushes received");
            pipeline.Delivery = await pipeline.Delivery.CrashAndRestartAsync();
            output.WriteLine($"SIGKILL delivery worker with {receiver.Delivered.Count} pushes received");
        }

        await Task.WhenAll(WaitHealthyAsync(pipeline.Trigger), WaitHealthyAsync(pipeline.Delivery));
        await WaitUntilAsync(() => receiver.Delivered.Count >= DayUsers + Viewers, $"{DayUsers + Viewers} distinct pushes received");
        var decisions = new List<PushDecisionRecord>();
        await WaitUntilAsync(() =>
        {
            decisions = ReadAll(kafka.BootstrapServers, Topics.PushDecisions);
            return decisions.Select(d => (d.PushId, d.Outcome)).Distinct().Count() >= 2 * DayUsers + NightUsers + Viewers;
        }, "a decision for every push on push-decisions");
        await Task.Delay(TimeSpan.FromSeconds(3)); // anything still under way would show now
        decisions = ReadAll(kafka.BootstrapServers, Topics.PushDecisions);
        var expectedRows = decisions.DistinctBy(d => (d.PushId, d.Outcome)).Count();
        List<StoredDecision> stored = [];
        await WaitUntilAsync(() =>
        {
            stored = clickHouse.QueryAsync(
                "SELECT push_id, user_id, product_id, rule, outcome, reason, toUInt32(send_at) AS send_unix FROM push_decisions FINAL", TestJson.Default.StoredDecision).GetAwaiter().GetResult();
            return stored.Count >= expectedRows;
        }, $"{expectedRows} rows in push_decisions");

        var received = receiver.Delivered.Values.ToList();
        output.WriteLine($"{received.Count} distinct pushes received, {receiver.Duplicates} repeated keys acknowledged, {receiver.Refused} first attempts refused (429/503)");
        output.WriteLine($"{decisions.Count} decision rows, {decisions.Select(d => (d.PushId, d.Outcome)).Distinct().Count()} distinct (push, outcome)");
        // From the crossing change on profile-changes to the receiver's first accepted request (kills and refusals included).
        var latencies = received.Where(p => p.Rule == Rule).Select(p => (receiver.ReceivedAt[p.PushId] - crossedAt[p.ProductId]).TotalMilliseconds).Order().ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"crossing change to receiver: p50 {latencies[latencies.Count / 2]:0} ms, p99 {latencies[(int)Math.Ceiling(latencies.Count * 0.99) - 1]:0} ms, max {latencies[^1]:0} ms over {latencies.Count} pushes"));

        // Every viewer one push about the product they viewed, decided by the reminder after the delay.
        Assert.Equal(DayUsers + Viewers, received.Count);
        foreach (var user in stream.Viewing)
        {
            var mine = Assert.Single(received, p => p.UserId == user.Id);
            Assert.Equal((ViewedRule, user.Products[0], "3 views"), (mine.Rule, mine.ProductId, mine.Body));
            Assert.Contains(stored, d => d.PushId == mine.PushId && d.Outcome == PushOutcomes.Sent);
        }

        // Every day user exactly one push, about one of their two products, with the id a replay would decide.
        foreach (var user in stream.Day)
        {
            var mine = Assert.Single(received, p => p.UserId == user.Id);
            Assert.Contains(mine.ProductId, user.Products);
            Assert.Equal(PushId.Of(Rule, user.Id, mine.ProductId, stream.Window), mine.PushId);
        }

        // Quiet hours and bookings forbid the rest.
        Assert.DoesNotContain(received, p => stream.Night.Any(u => u.Id == p.UserId) || stream.Booked.Any(u => u.Id == p.UserId));

        // And push_decisions explains each, once per push and outcome: the day users' second product suppressed by the
        // gap, the night users' held.
        Assert.Equal(expectedRows, stored.Count);
        var distinct = stored;
        foreach (var user in stream.Day)
        {
            var mine = distinct.Where(d => d.UserId == user.Id).ToList();
            Assert.Equal([PushOutcomes.Sent, PushOutcomes.Suppressed], mine.Select(d => d.Outcome).Order());
            Assert.StartsWith("cap gap:", mine.Single(d => d.Outcome == PushOutcomes.Suppressed).Reason, StringComparison.Ordinal);
        }

        foreach (var user in stream.Night)
        {
            var held = Assert.Single(distinct, d => d.UserId == user.Id);
            Assert.Equal(PushOutcomes.Held, held.Outcome);
            Assert.Contains("sending at", held.Reason, StringComparison.Ordinal);
            Assert.True(DateTimeOffset.FromUnixTimeSeconds(held.SendUnix) > now);
        }

        Assert.DoesNotContain(distinct, d => stream.Booked.Any(u => u.Id == d.UserId));
        // Every received push has its sent row, with the rule and product it was about.
        Assert.All(received, p => Assert.Contains(distinct, d => d.PushId == p.PushId && d.Outcome == PushOutcomes.Sent && d.ProductId == p.ProductId && d.Rule == p.Rule));
        // A decision published again after a crash is the same decision, with the same reason.
        Assert.Equal(expectedRows, decisions.Select(d => (d.PushId, d.Outcome, d.Reason)).Distinct().Count());
    }

    /// <summary>A built service as a process; a SIGKILL restarts it with the same settings, appending to the same log.</summary>
    private static ServiceProcess Start(string service, string logs, IReadOnlyDictionary<string, string> environment) =>
        ServiceProcess.Start(service, ServiceLayout.ServiceDll(service), LoopbackPorts.Free(), Path.Combine(logs, service + ".log"), environment);

    private static Task WaitHealthyAsync(ServiceProcess service) => service.WaitUntilHealthyAsync("/healthz", Timeout, CancellationToken.None);

    /// <summary>The pipeline's processes, each replaced by its next incarnation when killed, stopped with SIGTERM at the end.</summary>
    private sealed class Pipeline : IAsyncDisposable
    {
        public ServiceProcess Trigger { get; set; } = null!;

        public ServiceProcess Delivery { get; set; } = null!;

        public ServiceProcess Sink { get; set; } = null!;

        // Whatever started: a start that failed leaves the rest unset.
        public async ValueTask DisposeAsync() =>
            await Task.WhenAll(new[] { Trigger, Delivery, Sink }.Where(s => s is not null).Select(s => s.DisposeAsync().AsTask()));
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Timeout, $"Waited {Timeout.TotalSeconds:0} s for {what}.");
            await Task.Delay(250);
        }
    }

    internal static long Committed(string bootstrap, string group, string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = group }).Build();
        return consumer.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(5))
            .Sum(o => o.Offset.Value < 0 ? 0 : o.Offset.Value);
    }

    private static List<PushDecisionRecord> ReadAll(string bootstrap, string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap, GroupId = "pipeline-test-" + Guid.NewGuid().ToString("N"), EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest, EnablePartitionEof = true,
        }).Build();
        consumer.Assign(new TopicPartition(topic, 0));
        var rows = new List<PushDecisionRecord>();
        while (consumer.Consume(TimeSpan.FromSeconds(5)) is { } record && !record.IsPartitionEOF)
        {
            rows.Add(JsonSerializer.Deserialize(record.Message.Value, PushJsonContext.Default.PushDecisionRecord)!);
        }

        return rows;
    }

    private sealed record StoredDecision(string PushId, string UserId, string ProductId, string Rule, string Outcome, string Reason, long SendUnix);

    [JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
    [JsonSerializable(typeof(StoredDecision))]
    private sealed partial class TestJson : JsonSerializerContext;

    private sealed record TestUser(string Id, TimeSpan Offset, string[] Products);

    /// <summary>The users, their events and the product changes; who should get what follows from it on its own.</summary>
    private sealed class Stream
    {
        private readonly DateTimeOffset now;

        public Stream(DateTimeOffset now)
        {
            this.now = now;
            Day = [.. Enumerable.Range(0, DayUsers).Select(i => new TestUser($"day-{i}", OffsetFor(12), [Product(i % 3), Product(3 + i % 3)]))];
            Night = [.. Enumerable.Range(0, NightUsers).Select(i => new TestUser($"night-{i}", OffsetFor(23), [Product(i % 3)]))];
            Booked = [.. Enumerable.Range(0, BookedUsers).Select(i => new TestUser($"booked-{i}", OffsetFor(12), [Product(i % Products)]))];
            Viewing = [.. Enumerable.Range(0, Viewers).Select(i => new TestUser($"viewer-{i}", OffsetFor(12), ["tour-viewed-" + i.ToString(CultureInfo.InvariantCulture)]))];
            var n = 0;
            foreach (var user in Day.Concat(Night).Concat(Booked))
            {
                foreach (var product in user.Products)
                {
                    Events.Add(Event($"w-{n++}", EventTypes.WishlistAdd, user, product, now.AddHours(-2)));
                }
            }

            foreach (var user in Booked)
            {
                Events.Add(Event($"b-{n++}", EventTypes.BookingConfirmed, user, user.Products[0], now.AddMinutes(-30)));
            }

            foreach (var user in Viewing)
            {
                for (var view = 0; view < 3; view++)
                {
                    Events.Add(Event($"v-{n++}", EventTypes.ProductView, user, user.Products[0], now.AddSeconds(view - 3)));
                }
            }
        }

        public List<TestUser> Day { get; }

        public List<TestUser> Night { get; }

        public List<TestUser> Booked { get; }

        public List<TestUser> Viewing { get; }

        public List<AppEvent> Events { get; } = [];

        /// <summary>The occasion the rule fires for: the hour of the profiles' as_of.</summary>
        public string Window => now.UtcDateTime.ToString("yyyy-MM-dd'T'HH", CultureInfo.InvariantCulture);

        /// <summary>Per product: 3, then 5 (the crossing), then 6 bookings in the last hour.</summary>
        public IEnumerable<ProfileChange> Changes() =>
            from version in new[] { 1, 2, 3 }
            from product in Enumerable.Range(0, Products).Select(Product)
            select new ProfileChange(
                ProductProfile.Empty(product) with { BookingsLastHour = version == 1 ? 3 : version + 3, AsOf = now },
                version, 0, version, now, []);

        private static string Product(int i) => "tour-" + i.ToString(CultureInfo.InvariantCulture);

        /// <summary>The offset at which it is <paramref name="hour"/>:00 local now, as a client there would send it.</summary>
        private TimeSpan OffsetFor(int hour)
        {
            var minutes = (int)(TimeSpan.FromHours(hour) - now.UtcDateTime.TimeOfDay).TotalMinutes;
            minutes = ((minutes % 1440) + 1440) % 1440;
            return TimeSpan.FromMinutes(minutes > 14 * 60 ? minutes - 1440 : minutes);
        }

        private static AppEvent Event(string id, string type, TestUser user, string product, DateTimeOffset at)
        {
            var local = at.ToOffset(user.Offset);
            var amount = type == EventTypes.BookingConfirmed ? (long?)50_000 : null;
            return new AppEvent(id, type, user.Id, "s-" + user.Id, product, local, "ios", "KR", "Busan", amount, amount is null ? null : "KRW", at, "tours");
        }
    }
}
