using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Streaming.Benchmarks.Load;
using Streaming.Benchmarks.Widgets;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.PushTrigger.Decisions;

namespace Streaming.Benchmarks.Push;

/// <summary>
/// `./run bench push-latency [--products 300] [--interval-ms 200] [--wishlisters 1] [--background-rate 0] [--fetch-wait-ms N] [--set Key=Value ...]`:
/// from the booking that makes a product's bookings_last_hour reach wishlist_selling_fast's threshold (5) to the push
/// provider's HTTP request, on the whole fleet (the load benchmark's child process; the delivery worker posts to a
/// receiver in this process that notes each request's arrival). Every product first gets its wishlisters and 4
/// bookings through ingest; then, one product every <c>--interval-ms</c>, its 5th booking is posted alone, and each of
/// its wishlisters' push is one sample, from ingest's answer (Kafka has the booking) to the receiver. Per-hop times
/// come from plain readers beside the fleet (fetch wait 10 ms): the booking read on product-events, the silo's
/// emitted_at on profile-changes, the trigger's decided_at on push-decisions. Users' events carry a time zone in
/// which it is now early afternoon, so quiet hours never hold these pushes; products have no city, so
/// trending_in_city (which pushes a city's visitors) never takes a user's one push of the hour first. With
/// <c>--background-rate</c>, other users' views of 1,000 other products go through ingest at that many events per
/// second while the crossings are measured, so that the stages batch as they do under traffic. These products have no
/// city either: with one, all 1,000 turned rising at once (they start from nothing) and trending_in_city asked every
/// background user about each of them, which held the crossings' changes back for 90 s (see docs/BENCHMARKS.md).
/// </summary>
public static class PushLatencyBenchmark
{
    private const int Threshold = 5; // wishlist_selling_fast's default N

    public static async Task<int> RunAsync(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        var products = int.Parse(Option(args, "--products") ?? "300", CultureInfo.InvariantCulture);
        var interval = TimeSpan.FromMilliseconds(int.Parse(Option(args, "--interval-ms") ?? "200", CultureInfo.InvariantCulture));
        var wishlisters = int.Parse(Option(args, "--wishlisters") ?? "1", CultureInfo.InvariantCulture);
        var backgroundRate = int.Parse(Option(args, "--background-rate") ?? "0", CultureInfo.InvariantCulture);
        if (Option(args, "--fetch-wait-ms") is { } fetchWait)
        {
            // Every consumer of the fleet (its host process and the services inherit the environment).
            Environment.SetEnvironmentVariable("Kafka__FetchWaitMaxMs", int.Parse(fetchWait, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
            Console.WriteLine($"every consumer of the fleet fetches with fetch.wait.max.ms = {fetchWait}");
        }

        await using var receiver = await TimingPushReceiver.StartAsync();
        var configuration = new Dictionary<string, string> { ["PushDelivery__Endpoint"] = receiver.Url };
        foreach (var setting in args.Select((a, i) => (a, i)).Where(e => e.a == "--set" && e.i + 1 < args.Length).Select(e => args[e.i + 1]))
        {
            configuration[setting[..setting.IndexOf('=', StringComparison.Ordinal)]] = setting[(setting.IndexOf('=', StringComparison.Ordinal) + 1)..];
            Console.WriteLine($"fleet configuration: {setting}");
        }

        Console.WriteLine($"starting the fleet in a child process (local Kafka, ClickHouse, Redis, two profile silos, push trigger, delivery worker); receiver at {receiver.Url}");
        using var host = FleetHost.Start(configuration);
        try
        {
            var endpoints = await FleetHost.ReadEndpointsAsync(host);
            Console.WriteLine($"fleet up; service logs in {endpoints.LogFolder}; load average {PushCpuBenchmark.LoadAverage()}");
            return await MeasureAsync(endpoints, receiver, products, wishlisters, interval, backgroundRate);
        }
        finally
        {
            host.StandardInput.Close();
            await host.WaitForExitAsync();
        }
    }

    private static async Task<int> MeasureAsync(FleetEndpoints endpoints, TimingPushReceiver receiver, int products, int wishlisters, TimeSpan interval, int backgroundRate)
    {
        await WidgetApiBenchmark.WaitForSettledSilosAsync(endpoints);
        using var ingest = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(endpoints.IngestUrl), Timeout = TimeSpan.FromSeconds(30) };
        var run = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var zone = PushCpuBenchmark.DaytimeOffset(DateTimeOffset.UtcNow);
        string Product(int p) => string.Create(CultureInfo.InvariantCulture, $"pl-{run}-{p:0000}");
        string Wishlister(int p, int w) => string.Create(CultureInfo.InvariantCulture, $"plw-{run}-{p:0000}-{w}");
        string Booker(int p, int b) => string.Create(CultureInfo.InvariantCulture, $"plb-{run}-{p:0000}-{b}");

        // Wishlisters first, then 4 bookings per product (bookers are other users): each product one booking short.
        var seed = new List<IncomingEvent>();
        for (var p = 0; p < products; p++)
        {
            for (var w = 0; w < wishlisters; w++)
            {
                seed.Add(Event("seed-w-" + Wishlister(p, w), EventTypes.WishlistAdd, Wishlister(p, w), Product(p), zone));
            }
        }

        for (var p = 0; p < products; p++)
        {
            for (var b = 0; b < Threshold - 1; b++)
            {
                seed.Add(Event("seed-b-" + Booker(p, b), EventTypes.BookingConfirmed, Booker(p, b), Product(p), zone));
            }
        }

        foreach (var batch in seed.Chunk(1_000))
        {
            await PostAsync(ingest, endpoints.ApiKey, batch);
        }

        // Ready when the trigger has applied every wishlist (push-users committed events), the silos have given every
        // product 4 bookings, and the trigger has read those profiles (push-trigger committed profile-changes).
        using var topics = new PushTopics(endpoints.KafkaBootstrap, Topics.DefaultPartitions);
        var waited = Stopwatch.StartNew();
        await topics.WaitUntilCommittedAsync("push-users", Topics.Events, TimeSpan.FromMinutes(3));
        using (var gateway = new HttpClient { BaseAddress = new Uri(endpoints.GatewayUrl) })
        {
            foreach (var p in new[] { 0, products - 1 })
            {
                while (true)
                {
                    using var response = await gateway.GetAsync($"/v1/products/{Product(p)}/live");
                    if (response.IsSuccessStatusCode
                        && JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("bookings_last_hour").GetInt64() >= Threshold - 1)
                    {
                        break;
                    }

                    if (waited.Elapsed > TimeSpan.FromMinutes(3))
                    {
                        throw new TimeoutException($"{Product(p)} did not show {Threshold - 1} bookings through the gateway within 3 minutes.");
                    }

                    await Task.Delay(200);
                }
            }
        }

        await Task.Delay(TimeSpan.FromSeconds(2)); // the last profiles are on profile-changes (the silos coalesce per second)
        await topics.WaitUntilCommittedAsync("push-trigger", Topics.ProfileChanges, TimeSpan.FromMinutes(3));
        Console.WriteLine($"{products:N0} products with {wishlisters} wishlister(s) and {Threshold - 1} bookings each, applied by the silos and the push trigger after {waited.Elapsed.TotalSeconds:0.0} s; {receiver.Received.Count} pushes so far");

        var clients = topics.Clients;
        using var productEvents = new CrossingReader(endpoints.KafkaBootstrap);
        using var changes = new ProfileChangesProbe(endpoints.KafkaBootstrap, fetchWaitMaxMs: 10);
        using var decisions = new PushDecisionsReader(clients, Topics.PushDecisions, Topics.DefaultPartitions[Topics.PushDecisions], keepRows: true, fetchWaitMaxMs: 10);
        await Task.Delay(TimeSpan.FromSeconds(2)); // the readers have found the ends of their topics

        using var stopBackground = new CancellationTokenSource();
        var background = backgroundRate > 0 ? Task.Run(() => BackgroundAsync(ingest, endpoints.ApiKey, backgroundRate, run, zone, stopBackground.Token)) : Task.CompletedTask;
        if (backgroundRate > 0)
        {
            Console.WriteLine($"background: {backgroundRate:N0} views per second of 1,000 other products");
            await Task.Delay(TimeSpan.FromSeconds(5)); // the stages are busy before the first crossing
        }

        // The crossings: one product every interval, each booking alone in its request, not waiting for the previous answer.
        var acknowledged = new ConcurrentDictionary<string, (DateTimeOffset Posted, DateTimeOffset Acknowledged)>(StringComparer.Ordinal);
        var posts = new List<Task>();
        var clock = Stopwatch.StartNew();
        for (var p = 0; p < products; p++)
        {
            var due = interval * p;
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            var product = Product(p);
            var crossing = Event("cross-" + product, EventTypes.BookingConfirmed, Booker(p, Threshold - 1), product, zone);
            posts.Add(Task.Run(async () =>
            {
                var posted = DateTimeOffset.UtcNow;
                await PostAsync(ingest, endpoints.ApiKey, [crossing]);
                acknowledged[product] = (posted, DateTimeOffset.UtcNow);
            }));
        }

        await Task.WhenAll(posts);
        await stopBackground.CancelAsync();
        await background;
        var expected = products * wishlisters;
        var deadline = Stopwatch.StartNew();
        while (receiver.Received.Count(r => r.Push.ProductId.StartsWith("pl-" + run, StringComparison.Ordinal)) < expected && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
        }

        await Task.Delay(TimeSpan.FromSeconds(1)); // the readers catch up with the last records
        var received = receiver.Received.Where(r => r.Push.ProductId.StartsWith("pl-" + run, StringComparison.Ordinal)).ToList();
        var total = new List<double>();
        var sincePost = new List<double>();
        var toProductEvents = new List<double>();
        var toEmitted = new List<double>();
        var toDecided = new List<double>();
        var toReceiver = new List<double>();
        foreach (var (push, arrived) in received)
        {
            var (posted, ack) = acknowledged[push.ProductId];
            total.Add((arrived - ack).TotalMilliseconds);
            sincePost.Add((arrived - posted).TotalMilliseconds);
            var read = productEvents.Read(push.ProductId);
            var change = changes.Change(push.ProductId, Threshold);
            if (read is { } r && change is { } c && decisions.First(push.PushId) is { } d)
            {
                toProductEvents.Add((r - ack).TotalMilliseconds);
                toEmitted.Add((c.Emitted - r).TotalMilliseconds);
                toDecided.Add((d.DecidedAt - c.Emitted).TotalMilliseconds);
                toReceiver.Add((arrived - d.DecidedAt).TotalMilliseconds);
            }
        }

        var missing = expected - received.Count;
        var outcomes = decisions.Counts();
        Console.WriteLine($"{received.Count:N0} of {expected:N0} pushes received ({receiver.Duplicates} repeated keys); push-decisions rows by outcome: {string.Join(", ", outcomes.Select(o => $"{o.Key.Kind} {o.Key.Outcome} {o.Value}"))}");
        if (missing > 0)
        {
            var reasons = Enumerable.Range(0, products).SelectMany(p => Enumerable.Range(0, wishlisters).Select(w => (p, w)))
                .Where(e => !received.Any(r => r.Push.UserId == Wishlister(e.p, e.w)))
                .Select(e => decisions.First(PushId.Of("wishlist-selling-fast", Wishlister(e.p, e.w), Product(e.p), acknowledged[Product(e.p)].Posted.UtcDateTime.ToString("yyyy-MM-dd'T'HH", CultureInfo.InvariantCulture))) is { } row ? row.Outcome + ": " + row.Reason : "no decision")
                .GroupBy(r => r).OrderByDescending(g => g.Count()).Take(5);
            Console.WriteLine("missing pushes: " + string.Join("; ", reasons.Select(g => $"{g.Count()} × {g.Key}")));
        }

        Console.WriteLine();
        Console.WriteLine($"| span ({total.Count:N0} pushes; hops for the {toReceiver.Count:N0} whose records every reader saw) | p50 ms | p90 ms | p99 ms | max ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        Row("**booking acknowledged → receiver**", total);
        Row("booking posted → receiver", sincePost);
        Row("acknowledged → booking read on product-events", toProductEvents);
        Row("→ silo emits the profile (emitted_at)", toEmitted);
        Row("→ trigger decides (decided_at)", toDecided);
        Row("→ receiver's request (push-commands, delivery worker)", toReceiver);
        Console.WriteLine($"p99 booking acknowledged → receiver: {Percentile(total, 0.99):0} ms (target ≤ 2,000 ms); load average {PushCpuBenchmark.LoadAverage()}");
        return missing == 0 ? 0 : 1;
    }

    /// <summary>Views of other products by other users, in batches every 100 ms, until cancelled.</summary>
    private static async Task BackgroundAsync(HttpClient ingest, string apiKey, int rate, string run, TimeSpan zone, CancellationToken stop)
    {
        var random = new Random(7);
        var clock = Stopwatch.StartNew();
        long sent = 0;
        while (!stop.IsCancellationRequested)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * rate) - sent;
            if (due > 0)
            {
                var batch = new IncomingEvent[due];
                for (var i = 0; i < batch.Length; i++)
                {
                    var user = string.Create(CultureInfo.InvariantCulture, $"plbg-{run}-u{random.Next(20_000)}");
                    var e = Event(Guid.NewGuid().ToString("N"), EventTypes.ProductView, user, string.Create(CultureInfo.InvariantCulture, $"plbg-{run}-{random.Next(1_000):000}"), zone);
                    batch[i] = e;
                }

                foreach (var chunk in batch.Chunk(1_000))
                {
                    await PostAsync(ingest, apiKey, chunk);
                }

                sent += due;
            }

            try
            {
                await Task.Delay(100, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static void Row(string name, List<double> values)
    {
        values.Sort();
        Console.WriteLine($"| {name} | {Percentile(values, 0.50):0} | {Percentile(values, 0.90):0} | {Percentile(values, 0.99):0} | {values.LastOrDefault():0} |");
    }

    private static IncomingEvent Event(string id, string type, string user, string product, TimeSpan zone)
    {
        var booking = type == EventTypes.BookingConfirmed;
        var at = DateTimeOffset.UtcNow.ToOffset(zone);
        // No city: trending_in_city stays out of these users' one push per hour.
        return new IncomingEvent(id, type, user, "s-" + user, product, at.ToString("O", CultureInfo.InvariantCulture),
            "ios", "KR", null, booking ? 45_000 : null, booking ? "KRW" : null, "tour");
    }

    private static async Task PostAsync(HttpClient ingest, string apiKey, IncomingEvent[] batch)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events")
        {
            Content = new StringContent(JsonSerializer.Serialize(batch.ToList(), EventJsonContext.Default.ListIncomingEvent), Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Api-Key", apiKey);
        using var response = await ingest.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"ingest answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static double Percentile(List<double> sorted, double q) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];

    private static string? Option(string[] args, string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

    /// <summary>Reads product-events from its end (fetch wait 10 ms) and notes when each crossing booking ("cross-…") was read.</summary>
    private sealed class CrossingReader : IDisposable
    {
        private readonly ConcurrentDictionary<string, DateTimeOffset> reads = new(StringComparer.Ordinal);
        private readonly CancellationTokenSource stop = new();
        private readonly Thread thread;

        public CrossingReader(string bootstrap)
        {
            var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
            {
                BootstrapServers = bootstrap,
                GroupId = "push-bench-crossings-" + Guid.NewGuid().ToString("N"),
                EnableAutoCommit = false,
                EnableAutoOffsetStore = false,
                FetchWaitMaxMs = 10,
            }).Build();
            consumer.Assign(Enumerable.Range(0, Topics.DefaultPartitions[Topics.ProductEvents]).Select(p => new TopicPartitionOffset(Topics.ProductEvents, p, Offset.End)));
            thread = new Thread(() =>
            {
                using (consumer)
                {
                    while (!stop.IsCancellationRequested)
                    {
                        if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { Message.Value: { } value }
                            && AppEventReader.TryRead(value, out var e, out _) && e.EventId.StartsWith("cross-", StringComparison.Ordinal) && e.ProductId is { } product)
                        {
                            reads.TryAdd(product, DateTimeOffset.UtcNow);
                        }
                    }

                    consumer.Close();
                }
            }) { IsBackground = true, Name = "product-events crossings" };
            thread.Start();
        }

        public DateTimeOffset? Read(string product) => reads.TryGetValue(product, out var at) ? at : null;

        public void Dispose()
        {
            stop.Cancel();
            thread.Join();
            stop.Dispose();
        }
    }
}
