using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.DevHost.Fleet;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.LocalServers;
using Streaming.Metrics;
using Streaming.Metrics.Bookings;
using Streaming.Metrics.ConcurrentUsers;
using Streaming.Metrics.Popularity;
using Xunit.Abstractions;

namespace Streaming.IntegrationTests;

/// <summary>
/// The aggregator as its own process against the local Kafka, fed a deterministic stream, killed with SIGKILL at
/// random points (and scaled in and out), must still produce, at the latest revision of every (window, key), exactly
/// the totals computed independently from the input: none missing, none wrong.
/// STREAMING_SOAK=1 runs a longer version (1M events over 60 event-minutes, 30 kills).
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class AggregatorCrashTests(ITestOutputHelper output)
{
    private static readonly bool Soak = Environment.GetEnvironmentVariable("STREAMING_SOAK") == "1";
    private static readonly string[] Currencies = ["KRW", "JPY", "USD"];

    [Fact]
    public Task SIGKILL_at_random_points_leaves_every_window_exact() =>
        RunAsync(nameof(SIGKILL_at_random_points_leaves_every_window_exact), seed: 101, scaling: false);

    [Fact]
    public Task Instances_joining_leaving_and_crashing_mid_stream_leave_every_window_exact() =>
        RunAsync(nameof(Instances_joining_leaving_and_crashing_mid_stream_leave_every_window_exact), seed: 202, scaling: true);

    private async Task RunAsync(string name, int seed, bool scaling)
    {
        var events = Knob("STREAMING_CRASH_EVENTS", Soak ? 1_000_000 : 200_000);
        var minutes = Soak ? 60 : 30;
        var disruptions = Knob("STREAMING_CRASH_DISRUPTIONS", Soak ? 30 : 10);
        var random = new Random(seed);
        var logs = Path.Combine(ServiceLayout.RepositoryRoot(), "artifacts", "crash-tests", name);
        if (Directory.Exists(logs))
        {
            Directory.Delete(logs, recursive: true);
        }

        Directory.CreateDirectory(logs);
        using var kafka = LocalKafkaCluster.Start(1, TopicPartitions);
        var fleet = new AggregatorInstances(kafka.BootstrapServers, minutes, logs);
        var stream = Generate(events, minutes, random);
        fleet.StartOne();
        try
        {
            await FeedWithDisruptionsAsync(stream, fleet, kafka.BootstrapServers, disruptions, scaling, random);
            var truth = GroundTruth.From(stream);
            output.WriteLine($"{events} events, {truth.Bookings.Count} bookings, {truth.Views.Count} popularity, {truth.Users.Count} concurrent-users results expected, {fleet.Started} instances started");
            try
            {
                await AssertExactAsync(truth, kafka.BootstrapServers, scaling, logs);
            }
            catch
            {
                await WriteDiagnosticsAsync(kafka.BootstrapServers, fleet.Running);
                throw;
            }
        }
        finally
        {
            await fleet.DisposeAsync();
        }
    }

    /// <summary>Sends the stream in chunks; between chunks, kills, adds or stops instances while they work.</summary>
    private async Task FeedWithDisruptionsAsync(List<AppEvent> stream, AggregatorInstances fleet, string bootstrap, int disruptions, bool scaling, Random random)
    {
        using var producer = new KafkaClients(Options.Create(new KafkaOptions { BootstrapServers = bootstrap })).CreateProducer("crash-test-input");
        var chunks = stream.Chunk((stream.Count + disruptions) / (disruptions + 1)).ToList();
        for (var i = 0; i < chunks.Count; i++)
        {
            foreach (var e in chunks[i])
            {
                producer.Send(Topics.Events, e.UserId, JsonSerializer.SerializeToUtf8Bytes(e, EventJsonContext.Default.AppEvent));
            }

            producer.FlushAndThrowIfFailed(TimeSpan.FromSeconds(60));
            if (i == chunks.Count - 1)
            {
                break;
            }

            // Disrupt the instances while they work through the chunk, so a kill throws work in flight away.
            await Task.Delay(random.Next(100, 1500));
            var action = Disrupt(fleet.Running, scaling, i, random);
            output.WriteLine($"chunk {i + 1}/{chunks.Count}: {action}");
            await fleet.ApplyAsync(action, random);

            // The local Kafka keeps at most 5 MiB per partition: let every stage catch up before the next chunk.
            foreach (var (group, topic) in Stages)
            {
                await WaitUntilCaughtUpAsync(bootstrap, group, topic);
            }
        }
    }

    /// <summary>Every metric's latest revisions equal the ground truth, and kills made the repartition stage re-send.</summary>
    private async Task AssertExactAsync(GroundTruth truth, string bootstrap, bool scaling, string logs)
    {
        var verdict = await Eventually.HoldsAsync(
            () => Task.FromResult(Compare(truth, bootstrap)),
            v => v.All(x => x.Exact),
            TimeSpan.FromSeconds(Soak ? 1200 : Knob("STREAMING_CRASH_WAIT", 300)),
            v => string.Join("; ", v) + $" (logs in {logs})");
        output.WriteLine(string.Join(Environment.NewLine, verdict));

        // Re-sent records are what the source-position dedupe exists for: show that the kills produced some.
        var resent = TopicReader.ReadAll(bootstrap, Topics.ProductEvents, TopicPartitions[Topics.ProductEvents])
            .GroupBy(r => SourcePosition.From(r.Message.Headers)).Sum(g => g.Count() - 1);
        output.WriteLine($"{resent} records re-sent to {Topics.ProductEvents} by restarted repartition stages, all dropped");
        if (!scaling)
        {
            Assert.True(resent > 0, "no kill landed between a repartition send and its commit; the dedupe was not exercised");
        }
    }

    /// <summary>Where each topic ends, how far the repartition stage committed, and each instance's task status.</summary>
    private async Task WriteDiagnosticsAsync(string bootstrap, IReadOnlyList<ServiceProcess> instances)
    {
        using (var probe = new ConsumerBuilder<string, byte[]>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = Stages[0].Group }).Build())
        {
            foreach (var topic in new[] { Topics.Events, Topics.ProductEvents, Topics.MetricsBookings, Topics.MetricsPopularity, Topics.MetricsConcurrentUsers, Topics.DeadLetter })
            {
                var ends = Enumerable.Range(0, TopicPartitions[topic])
                    .Select(p => probe.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(5)).High.Value);
                output.WriteLine($"{topic} ends: {string.Join(",", ends)}");
            }

            var committed = probe.Committed(Enumerable.Range(0, 6).Select(p => new TopicPartition(Topics.Events, p)), TimeSpan.FromSeconds(5));
            output.WriteLine("repartition committed: " + string.Join(",", committed.Select(c => c.Offset.Value)));
        }

        using var http = new HttpClient();
        foreach (var instance in instances)
        {
            output.WriteLine(instance.Url + ": " + await http.GetStringAsync(instance.Url + "/v1/status"));
        }
    }

    /// <summary>Waits until a group has committed up to the end of every partition of a topic.</summary>
    private static async Task WaitUntilCaughtUpAsync(string bootstrap, string group, string topic)
    {
        using var probe = new ConsumerBuilder<string, byte[]>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = group }).Build();
        var partitions = Enumerable.Range(0, TopicPartitions[topic]).Select(p => new TopicPartition(topic, p)).ToList();
        await Eventually.HoldsAsync(
            () => Task.FromResult(partitions.Sum(tp => probe.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(5)).High.Value)
                - probe.Committed(partitions, TimeSpan.FromSeconds(5)).Sum(c => Math.Max(0, c.Offset.Value))),
            lag => lag <= 0,
            TimeSpan.FromSeconds(120),
            lag => $"group {group} still {lag} records behind on {topic}");
    }

    private static int Knob(string variable, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), CultureInfo.InvariantCulture, out var value) ? value : fallback;

    private static string Disrupt(List<ServiceProcess> instances, bool scaling, int step, Random random)
    {
        if (!scaling)
        {
            return "SIGKILL and restart";
        }

        // Scale between one and three instances, crashing one now and then.
        return (step % 3, instances.Count) switch
        {
            (0, < 3) => "start another instance",
            (1, > 1) => "SIGTERM one instance",
            _ => random.Next(2) == 0 && instances.Count < 3 ? "start another instance" : "SIGKILL and restart",
        };
    }

    /// <summary>
    /// The results outgrow the local Kafka's 5 MiB per partition of the metrics topics, which the verdict reads whole:
    /// more partitions give them room (a short run's bookings reach about 5 MiB in 3 partitions when kills add re-emits).
    /// </summary>
    private static readonly Dictionary<string, int> TopicPartitions = new(Topics.DefaultPartitions)
    {
        [Topics.MetricsBookings] = Soak ? 24 : 12,
        [Topics.MetricsPopularity] = Soak ? 24 : 6,
        [Topics.MetricsConcurrentUsers] = Soak ? 12 : 6,
    };

    /// <summary>Every consumer group of the aggregator and the topic it reads.</summary>
    private static readonly (string Group, string Topic)[] Stages =
    [
        ("aggregator.product-events-repartition", Topics.Events),
        ("aggregator.popularity", Topics.ProductEvents),
        ("aggregator.bookings", Topics.Events),
        ("aggregator.concurrent-users", Topics.Events),
    ];

    /// <summary>The aggregator processes of one run: started, crashed and stopped as the test says.</summary>
    private sealed class AggregatorInstances(string bootstrap, int minutes, string logs) : IAsyncDisposable
    {
        private readonly List<ServiceProcess> running = [];
        private readonly Dictionary<string, string> environment = new()
        {
            ["Kafka__BootstrapServers"] = bootstrap,
            ["Kafka__SessionTimeoutMs"] = "4000",
            // The stream is disordered by up to 20 s: a grace that covers it keeps re-emits (and topic volume) low.
            ["Aggregator__Grace"] = "00:00:25",
            // Idle partitions move their watermark to the wall clock, 40 minutes ahead of this stream: after a longer
            // pause between chunks (a slow stage to wait for, a join the mock holds) every later event would be a
            // correction, emitted one by one, and the results would outgrow the local Kafka. At the end it closes the last windows.
            ["Aggregator__IdleTimeout"] = "00:01:00",
            // Long intervals widen the span of work a kill throws away: more replay, more re-sent records to drop.
            ["Topology__CheckpointInterval"] = "00:00:02",
            ["Topology__CommitInterval"] = "00:00:02",
            ["Aggregator__CorrectionHorizon"] = TimeSpan.FromMinutes(minutes + 60).ToString("c", CultureInfo.InvariantCulture),
        };

        public int Started { get; private set; }

        public List<ServiceProcess> Running => running;

        public void StartOne() => running.Add(Start());

        public async Task ApplyAsync(string action, Random random)
        {
            if (action == "start another instance")
            {
                StartOne();
            }
            else if (action.StartsWith("SIGKILL", StringComparison.Ordinal))
            {
                var victim = random.Next(running.Count);
                running[victim] = await running[victim].CrashAndRestartAsync();
            }
            else
            {
                var leaving = running[^1];
                running.RemoveAt(running.Count - 1);
                await leaving.DisposeAsync(); // SIGTERM: a clean leave, with a final checkpoint.
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var instance in running)
            {
                await instance.DisposeAsync();
            }
        }

        private ServiceProcess Start() => ServiceProcess.Start(
            LocalFleet.Aggregator, ServiceLayout.ServiceDll(LocalFleet.Aggregator), LoopbackPorts.Free(),
            Path.Combine(logs, $"aggregator-{++Started}.log"), environment);
    }

    private sealed record Verdict(string Metric, int Results, int Missing, int Wrong, int Conflicting, int Unexpected)
    {
        public bool Exact => Missing == 0 && Wrong == 0 && Conflicting == 0 && Unexpected == 0;

        public override string ToString() =>
            $"{Metric}: {Results} results read, {Missing} missing, {Wrong} wrong, {Conflicting} identities with two values, {Unexpected} unexpected";
    }

    /// <summary>The expected totals, computed from the input alone.</summary>
    private sealed record GroundTruth(
        Dictionary<(DateTimeOffset, string, string), (long Bookings, long Revenue)> Bookings,
        Dictionary<(DateTimeOffset, string), (long Views, long Bookings)> Views,
        Dictionary<DateTimeOffset, long> Users)
    {
        public static GroundTruth From(List<AppEvent> stream) => new(
            stream.Where(e => e.Type == EventTypes.BookingConfirmed)
                .GroupBy(e => (Minute(e.OccurredAt), e.ProductId!, e.Currency!))
                .ToDictionary(g => g.Key, g => (Bookings: (long)g.Count(), Revenue: g.Sum(e => e.Amount!.Value))),
            stream.Where(e => e.Type is EventTypes.ProductView or EventTypes.BookingConfirmed)
                .GroupBy(e => (Minute(e.OccurredAt), e.ProductId!))
                .ToDictionary(g => g.Key, g => (Views: (long)g.Count(e => e.Type == EventTypes.ProductView), Bookings: (long)g.Count(e => e.Type == EventTypes.BookingConfirmed))),
            stream.GroupBy(e => Minute(e.OccurredAt)).ToDictionary(g => g.Key, g => (long)g.Select(e => e.UserId).Distinct().Count()));
    }

    private static List<Verdict> Compare(GroundTruth truth, string bootstrap)
    {
        var bookings = Read(bootstrap, Topics.MetricsBookings, BookingsJson.Default.BookingsPerMinute)
            .Where(r => r.Dimension == ResultDimensions.Product)
            .Select(r => new Partial<(DateTimeOffset, string, string), (long, long)>((r.WindowStart, r.DimensionValue, r.Currency), r.Partition, r.Revision, r.Provisional, (r.Bookings, r.RevenueMinor)));
        var popularity = Read(bootstrap, Topics.MetricsPopularity, PopularityJson.Default.ProductPopularityPerMinute)
            .Select(r => new Partial<(DateTimeOffset, string), (long, long)>((r.WindowStart, r.ProductId), r.Partition, r.Revision, r.Provisional, (r.Views, r.Bookings)));
        var users = Read(bootstrap, Topics.MetricsConcurrentUsers, ConcurrentUsersJson.Default.ConcurrentUsersPerMinute)
            .Where(r => r.Dimension == ResultDimensions.All)
            .Select(r => new Partial<DateTimeOffset, long>(r.WindowStart, r.Partition, r.Revision, r.Provisional, r.Users));
        return
        [
            Check("bookings by product", truth.Bookings.ToDictionary(kv => kv.Key, kv => (kv.Value.Bookings, kv.Value.Revenue)), bookings.ToList(), (a, b) => (a.Item1 + b.Item1, a.Item2 + b.Item2)),
            Check("popularity", truth.Views.ToDictionary(kv => kv.Key, kv => (kv.Value.Views, kv.Value.Bookings)), popularity.ToList(), (a, b) => (a.Item1 + b.Item1, a.Item2 + b.Item2)),
            // Zeros: minutes inside the stream's span without events would be expected as 0; the stream has none.
            Check("concurrent users", truth.Users, users.Where(u => u.Value > 0 || truth.Users.ContainsKey(u.Key)).ToList(), (a, b) => a + b),
        ];
    }

    private sealed record Partial<TKey, TValue>(TKey Key, int Partition, long Revision, bool Provisional, TValue Value);

    /// <summary>Latest version per (key, partition), summed over partitions, against the truth.</summary>
    private static Verdict Check<TKey, TValue>(string metric, Dictionary<TKey, TValue> truth, List<Partial<TKey, TValue>> partials, Func<TValue, TValue, TValue> add)
        where TKey : notnull
    {
        var finals = partials.Where(p => !p.Provisional).ToList();
        var conflicting = finals.GroupBy(p => (p.Key, p.Partition, p.Revision)).Count(g => g.Select(p => p.Value).Distinct().Count() > 1);
        var totals = finals.GroupBy(p => (p.Key, p.Partition))
            .Select(g => g.MaxBy(p => p.Revision)!)
            .GroupBy(p => p.Key)
            .ToDictionary(g => g.Key, g => g.Select(p => p.Value).Aggregate(add));
        var missing = truth.Keys.Count(k => !totals.ContainsKey(k));
        var wrong = truth.Count(t => totals.TryGetValue(t.Key, out var v) && !EqualityComparer<TValue>.Default.Equals(v, t.Value));
        var unexpected = totals.Keys.Count(k => !truth.ContainsKey(k));
        return new Verdict(metric, finals.Count, missing, wrong, conflicting, unexpected);
    }

    private static List<T> Read<T>(string bootstrap, string topic, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        [.. TopicReader.ReadAll(bootstrap, topic, TopicPartitions[topic], whole: true).Select(r => JsonSerializer.Deserialize(r.Message.Value, type)!)];

    /// <summary>Users' events over the past minutes, roughly in time order with up to 20 s of disorder.</summary>
    private static List<AppEvent> Generate(int count, int minutes, Random random)
    {
        var now = DateTimeOffset.UtcNow;
        var first = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(-minutes - 10);
        var span = TimeSpan.FromMinutes(minutes).Ticks;
        var events = new List<AppEvent>(count);
        for (var i = 0; i < count; i++)
        {
            var at = first.AddTicks(span * i / count).AddSeconds(random.Next(-20, 3));
            var product = random.Next(200);
            var roll = random.Next(20);
            var type = roll < 7 ? EventTypes.BookingConfirmed : roll < 17 ? EventTypes.ProductView : EventTypes.Search;
            var booking = type == EventTypes.BookingConfirmed;
            var user = "u" + random.Next(5000).ToString(CultureInfo.InvariantCulture);
            events.Add(new AppEvent(
                "c" + i.ToString(CultureInfo.InvariantCulture), type, user, "s-" + user,
                type == EventTypes.Search ? null : "p" + product.ToString(CultureInfo.InvariantCulture),
                at, "ios", "KR", "Seoul", booking ? random.Next(1, 1000) * 100L : null, booking ? Currencies[product % 3] : null, at));
        }

        return events;
    }

    private static DateTimeOffset Minute(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
}
