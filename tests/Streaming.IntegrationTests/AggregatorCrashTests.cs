using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Streaming.ClickHouse;
using Streaming.DevHost.Fleet;
using Streaming.Events;
using Streaming.Kafka;
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
        using var kafka = LocalKafkaCluster.Start(1, Topics.DefaultPartitions);
        var environment = new Dictionary<string, string>
        {
            ["Kafka__BootstrapServers"] = kafka.BootstrapServers,
            ["Kafka__SessionTimeoutMs"] = "4000",
            // The stream is disordered by up to 20 s: a grace that covers it keeps re-emits (and topic volume) low.
            ["Aggregator__Grace"] = "00:00:25",
            ["Aggregator__IdleTimeout"] = "00:00:15",
            // Long intervals widen the span of work a kill throws away: more replay, more re-sent records to drop.
            ["Aggregator__CheckpointInterval"] = "00:00:02",
            ["Aggregator__CommitInterval"] = "00:00:02",
            ["Aggregator__CorrectionHorizon"] = TimeSpan.FromMinutes(minutes + 60).ToString("c", CultureInfo.InvariantCulture),
        };
        var started = 0;
        ServiceProcess StartInstance() => ServiceProcess.Start(
            LocalFleet.Aggregator, ServiceLayout.ServiceDll(LocalFleet.Aggregator), LoopbackPorts.Free(),
            Path.Combine(logs, $"aggregator-{++started}.log"), environment);

        var stream = Generate(events, minutes, random);
        var instances = new List<ServiceProcess> { StartInstance() };
        try
        {
            KafkaNative.EnsureLoaded();
            using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
            {
                BootstrapServers = kafka.BootstrapServers,
                EnableIdempotence = true,
                LingerMs = 20,
            }).Build();
            var inputDeliveries = new DeliveryTracker();
            var chunks = stream.Chunk((stream.Count + disruptions) / (disruptions + 1)).ToList();
            for (var i = 0; i < chunks.Count; i++)
            {
                foreach (var e in chunks[i])
                {
                    producer.ProduceWithBackpressure(Topics.Events, new Message<string, byte[]>
                    {
                        Key = e.UserId,
                        Value = JsonSerializer.SerializeToUtf8Bytes(e, EventJsonContext.Default.AppEvent),
                    }, inputDeliveries.Handler);
                }

                inputDeliveries.ThrowIfFailed(producer, TimeSpan.FromSeconds(60));
                if (i == chunks.Count - 1)
                {
                    break;
                }

                if (i > 0)
                {
                    // The local Kafka keeps at most 5 MiB per partition: keep the unread backlog below that.
                    await WaitUntilCaughtUpAsync(kafka.BootstrapServers, "aggregator-bookings-repartition", Topics.Events);
                    await WaitUntilCaughtUpAsync(kafka.BootstrapServers, "aggregator-bookings", Topics.ProductEvents);
                }

                // Let the instances work for a random while, then disrupt them in the middle of it.
                await Task.Delay(random.Next(100, 1500));
                var action = Disrupt(instances, scaling, i, random);
                output.WriteLine($"chunk {i + 1}/{chunks.Count}: {action}");
                if (action == "start another instance")
                {
                    instances.Add(StartInstance());
                }
                else if (action.StartsWith("SIGKILL", StringComparison.Ordinal))
                {
                    var victim = random.Next(instances.Count);
                    instances[victim] = await instances[victim].CrashAndRestartAsync();
                }
                else
                {
                    var leaving = instances[^1];
                    instances.RemoveAt(instances.Count - 1);
                    await leaving.DisposeAsync(); // SIGTERM: a clean leave, with a final checkpoint.
                }
            }

            var truth = stream.Where(e => e.Type == EventTypes.BookingConfirmed)
                .GroupBy(e => (Minute(e.OccurredAt), e.ProductId!, e.Currency!))
                .ToDictionary(g => g.Key, g => (Bookings: (long)g.Count(), Revenue: g.Sum(e => e.Amount!.Value)));
            output.WriteLine($"{events} events, {truth.Count} (window, product, currency) results expected, {started} instances started");

            try
            {
                var verdict = await Eventually.HoldsAsync(
                    () => Task.FromResult(Compare(truth, TopicReader.ReadAll(kafka.BootstrapServers, Topics.MetricsBookings))),
                    v => v.Missing == 0 && v.Wrong == 0 && v.Conflicting == 0 && v.Unexpected == 0,
                    TimeSpan.FromSeconds(Soak ? 1200 : Knob("STREAMING_CRASH_WAIT", 300)),
                    v => v + $" (logs in {logs})");
                output.WriteLine(verdict.ToString());
            }
            catch
            {
                using (var probe = new ConsumerBuilder<string, byte[]>(new ConsumerConfig { BootstrapServers = kafka.BootstrapServers, GroupId = "aggregator-bookings-repartition" }).Build())
                {
                    foreach (var topic in new[] { Topics.Events, Topics.ProductEvents, Topics.MetricsBookings, Topics.DeadLetter })
                    {
                        var ends = Enumerable.Range(0, Topics.DefaultPartitions[topic])
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

                throw;
            }
        }
        finally
        {
            foreach (var instance in instances)
            {
                await instance.DisposeAsync();
            }
        }
    }

    /// <summary>Waits until a group has committed up to the end of every partition of a topic.</summary>
    private static async Task WaitUntilCaughtUpAsync(string bootstrap, string group, string topic)
    {
        using var probe = new ConsumerBuilder<string, byte[]>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = group }).Build();
        var partitions = Enumerable.Range(0, Topics.DefaultPartitions[topic]).Select(p => new TopicPartition(topic, p)).ToList();
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

    private sealed record Verdict(int Results, int Missing, int Wrong, int Conflicting, int Unexpected)
    {
        public override string ToString() =>
            $"{Results} results read: {Missing} missing, {Wrong} wrong, {Conflicting} identities with two values, {Unexpected} unexpected";
    }

    private static Verdict Compare(
        Dictionary<(DateTimeOffset, string, string), (long Bookings, long Revenue)> truth, List<ConsumeResult<string, byte[]>> records)
    {
        var results = records.Select(r => JsonSerializer.Deserialize(r.Message.Value, EventJsonContext.Default.BookingsPerMinute)!).ToList();
        var conflicting = results.GroupBy(r => (r.WindowStart, r.DimensionValue, r.Currency, r.Revision))
            .Count(g => g.Select(r => (r.Bookings, r.RevenueMinor)).Distinct().Count() > 1);
        var latest = results.GroupBy(r => (r.WindowStart, r.DimensionValue, r.Currency))
            .ToDictionary(g => g.Key, g => g.MaxBy(r => r.Revision)!);
        var missing = truth.Keys.Count(k => !latest.ContainsKey(k));
        var wrong = truth.Count(t => latest.TryGetValue(t.Key, out var r) && (r.Bookings, r.RevenueMinor) != t.Value);
        var unexpected = latest.Keys.Count(k => !truth.ContainsKey(k));
        return new Verdict(results.Count, missing, wrong, conflicting, unexpected);
    }

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
