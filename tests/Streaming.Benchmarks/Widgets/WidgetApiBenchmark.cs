using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Streaming.Benchmarks.Load;
using Streaming.Kafka;

namespace Streaming.Benchmarks.Widgets;

/// <summary>
/// The widget API under load, on the whole fleet (run in a child process, <see cref="FleetHost"/>), two profile silos included.
/// `./run bench live [--rates 2000,4000,8000,16000,0] [--seconds 15]`: GET /v1/products/{id}/live over 500 products
/// with wrk on loopback, after 10 s of unmeasured warm-up, paced to each rate (0 = as fast as wrk can); p50/p99 per
/// rate, the p99 at 2,000 req/s and the highest rate with p99 under 50 ms.
/// `./run bench sse-fanout [--subscribers 5000] [--products 500] [--rounds 5] [--fetch-wait-ms N]`: that many live-stream subscribers; each
/// round (after one that warms up the path, not counted) posts one booking per product and measures, per subscriber, from Kafka's acknowledgement (ingest answers
/// once Kafka has acknowledged) to the change carrying that booking reaching the subscriber, split at the silo's
/// emission of the change (<see cref="ProfileChangesProbe"/>).
/// </summary>
public static partial class WidgetApiBenchmark
{
    private const int Products = 500;

    public static async Task<int> RunLiveAsync(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        var rates = Option(args, "--rates")?.Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture)).ToArray() ?? [2_000, 4_000, 8_000, 16_000, 0];
        var seconds = int.Parse(Option(args, "--seconds") ?? "15", CultureInfo.InvariantCulture);
        if (!File.Exists("/usr/bin/wrk"))
        {
            Console.Error.WriteLine("wrk is not installed: apt-get install -y wrk (./run bench does it).");
            return 2;
        }

        return await WithFleetAsync(async (endpoints, http) =>
        {
            await SeedAsync(endpoints, http, viewsPerProduct: 3);
            var script = Path.Combine(Path.GetTempPath(), "streaming-live-" + Environment.ProcessId + ".lua");
            const int Connections = 64;
            // JIT, tiered compilation, connection pools and the grains' activations settle before anything is measured.
            await File.WriteAllTextAsync(script, LiveScript(rate: 0, Connections));
            var warmUp = ParseWrk(await RunWrkAsync(endpoints.GatewayUrl, script, Connections, 10));
            Console.WriteLine($"warm-up: 10 s unpaced, {warmUp.Achieved:N0} req/s, p99 {warmUp.P99:0.0} ms (not counted)");
            Console.WriteLine($"wrk: 2 threads, {Connections} connections, {seconds} s per rate, GET /v1/products/<one of {Products}>/live");
            Console.WriteLine("| target req/s | achieved req/s | p50 ms | p99 ms | non-2xx |");
            Console.WriteLine("|---:|---:|---:|---:|---:|");
            var results = new List<(int Target, double Achieved, double P99)>();
            foreach (var rate in rates)
            {
                await File.WriteAllTextAsync(script, LiveScript(rate, Connections));
                var output = await RunWrkAsync(endpoints.GatewayUrl, script, Connections, seconds);
                var (achieved, p50, p99, non2xx) = ParseWrk(output);
                results.Add((rate, achieved, p99));
                Console.WriteLine($"| {(rate == 0 ? "unpaced" : rate.ToString("N0", CultureInfo.InvariantCulture))} | {achieved:N0} | {p50:0.0} | {p99:0.0} | {non2xx} |");
            }

            File.Delete(script);
            if (results.FirstOrDefault(r => r.Target == 2_000) is { Target: 2_000 } at2000)
            {
                Console.WriteLine($"p99 at 2,000 req/s: {at2000.P99:0.0} ms (target ≤ 10 ms)");
            }

            var best = results.Where(r => r.P99 < 50).Select(r => r.Achieved).DefaultIfEmpty(0).Max();
            Console.WriteLine($"highest rate with p99 under 50 ms: {best:N0} req/s");
            return 0;
        });
    }

    /// <summary>
    /// wrk's script: requests spread over the products; with a rate, each connection waits before its next request.
    /// wrk is closed-loop (a connection sends after its previous answer), so a fixed wait would undershoot the rate by
    /// the latency: at each whole second (os.time has no finer clock) each thread scales its wait by the square root of
    /// the rate it achieved since its first whole second over the rate it aims at, which settles within a few seconds.
    /// </summary>
    private static string LiveScript(int rate, int connections)
    {
        var paced = rate == 0 ? "" : $$"""
            local perThread = {{rate}} / 2
            local wait = {{connections}} / 2 * 1000 / perThread
            local started, last, count = nil, os.time(), 0
            delay = function() return wait end
            response = function(status, headers, body)
              local now = os.time()
              if now ~= last then
                if started == nil then
                  started, count = now, 0
                else
                  local achieved = count / (now - started)
                  if achieved > 0 then wait = wait * math.sqrt(achieved / perThread) end
                end
                last = now
              end
              count = count + 1
            end
            """;
        return $$"""
            local n = 0
            request = function()
              n = n + 1
              return wrk.format("GET", string.format("/v1/products/bench-product-%03d/live", n % {{Products}}))
            end
            {{paced}}
            """;
    }

    public static async Task<int> RunSseFanOutAsync(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        var subscribers = int.Parse(Option(args, "--subscribers") ?? "5000", CultureInfo.InvariantCulture);
        var products = int.Parse(Option(args, "--products") ?? Products.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var rounds = int.Parse(Option(args, "--rounds") ?? "5", CultureInfo.InvariantCulture);
        if (Option(args, "--fetch-wait-ms") is { } fetchWait)
        {
            // Every consumer of the fleet, live ones included (its host process and the services inherit the environment).
            var wait = int.Parse(fetchWait, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
            Environment.SetEnvironmentVariable("Kafka__FetchWaitMaxMs", wait);
            Environment.SetEnvironmentVariable("Kafka__LiveFetchWaitMaxMs", wait);
            Console.WriteLine($"every consumer of the fleet fetches with fetch.wait.max.ms = {fetchWait}");
        }
        else
        {
            Console.WriteLine($"fetch.wait.max.ms: {new KafkaOptions().LiveFetchWaitMaxMs} for the live consumers (product-events stage, silos, gateway), the client's 500 for the others");
        }

        return await WithFleetAsync(async (endpoints, http) =>
        {
            await SeedAsync(endpoints, http, viewsPerProduct: 1, products);
            using var streams = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
            {
                BaseAddress = new Uri(endpoints.GatewayUrl),
                Timeout = Timeout.InfiniteTimeSpan,
            };
            // Started before the streams open, so that they have found the ends of profile-changes before the first round.
            using var probe = new ProfileChangesProbe(endpoints.KafkaBootstrap);
            // The same hop with a 10 ms fetch wait: what the local Kafka's idle fetches add to each hop of the pipeline.
            using var quickProbe = new ProfileChangesProbe(endpoints.KafkaBootstrap, fetchWaitMaxMs: 10);
            using var stop = new CancellationTokenSource();
            var fanOut = new SseFanOut(streams, subscribers, products);
            Console.WriteLine($"opening {subscribers:N0} live streams over {products:N0} products...");
            var opening = Stopwatch.StartNew();
            var readers = fanOut.Start(stop.Token);
            await fanOut.AllConnected.WaitAsync(TimeSpan.FromMinutes(3));
            Console.WriteLine($"all {subscribers:N0} subscribers have their first profile after {opening.Elapsed.TotalSeconds:0.0} s");
            var traffic = new WidgetTraffic(http, endpoints.ApiKey);
            var latencies = new List<double>();
            var emitting = new List<double>();
            var delivering = new List<double>();
            var hop = new List<double>();
            var quickHop = new List<double>();
            var missed = 0;
            Console.WriteLine("| round | delivered | ack → subscriber p50 / p99 / max ms | ack → silo emits p50 / p99 ms | emitted → subscriber p50 / p99 ms | emitted → read by a plain consumer p50 ms (fetch wait 500 / 10 ms) |");
            Console.WriteLine("|---:|---:|---|---|---|---|");
            // Round 1 warms up the path a change takes (the JIT, the gateway's first fan-out to every stream): shown, not counted.
            for (var round = 1; round <= rounds + 1; round++)
            {
                var counted = round > 1;
                var arrivals = fanOut.ExpectBookings(round);
                await traffic.PostBookingsAsync(products, round, CancellationToken.None);
                var acknowledged = DateTimeOffset.UtcNow;
                var (received, late) = await arrivals.WaitAsync(TimeSpan.FromSeconds(30));
                var total = received.Select(r => (r.At - acknowledged).TotalMilliseconds).Order().ToList();
                // The probes may read a change after the subscribers got it (a slower fetch): give them a moment.
                var roundProducts = received.Select(r => r.Product).Distinct().ToList();
                await Task.WhenAll(probe.WaitForAsync(roundProducts, round, TimeSpan.FromSeconds(3)), quickProbe.WaitForAsync(roundProducts, round, TimeSpan.FromSeconds(3)));
                var changes = roundProducts
                    .Select(p => (Product: p, Change: probe.Change(p, round))).Where(e => e.Change is not null).ToDictionary(e => e.Product, e => e.Change!.Value);
                var silo = changes.Values.Select(c => (c.Emitted - acknowledged).TotalMilliseconds).Order().ToList();
                var gateway = received.Where(r => changes.ContainsKey(r.Product)).Select(r => (r.At - changes[r.Product].Emitted).TotalMilliseconds).Order().ToList();
                var kafkaHop = changes.Values.Select(c => (c.Read - c.Emitted).TotalMilliseconds).Order().ToList();
                var quickKafkaHop = changes.Keys.Select(p => quickProbe.Change(p, round)).OfType<(DateTimeOffset Emitted, DateTimeOffset Read)>()
                    .Select(c => (c.Read - c.Emitted).TotalMilliseconds).Order().ToList();
                if (counted)
                {
                    latencies.AddRange(total);
                    emitting.AddRange(silo);
                    delivering.AddRange(gateway);
                    hop.AddRange(kafkaHop);
                    quickHop.AddRange(quickKafkaHop);
                    missed += late;
                }

                Console.WriteLine($"| {(counted ? round.ToString(CultureInfo.InvariantCulture) : "1 (warm-up, not counted)")} | {received.Count:N0} of {subscribers:N0} | {Percentile(total, 0.50):0} / {Percentile(total, 0.99):0} / {total.LastOrDefault():0} | {Percentile(silo, 0.50):0} / {Percentile(silo, 0.99):0} | {Percentile(gateway, 0.50):0} / {Percentile(gateway, 0.99):0} | {Percentile(kafkaHop, 0.50):0} / {Percentile(quickKafkaHop, 0.50):0} |");
                await Task.Delay(TimeSpan.FromSeconds(1.5)); // past the per-product coalescing second, so each round is a fresh change
            }

            await stop.CancelAsync();
            await Task.WhenAll(readers).ContinueWith(_ => { }, TaskScheduler.Default);
            latencies.Sort();
            emitting.Sort();
            delivering.Sort();
            hop.Sort();
            quickHop.Sort();
            Console.WriteLine($"Kafka ack → change at the subscriber, {latencies.Count:N0} deliveries: p50 {Percentile(latencies, 0.50):0} ms, p99 {Percentile(latencies, 0.99):0} ms, max {latencies.LastOrDefault():0} ms (target p99 ≤ 1,000 ms); {missed} missed");
            Console.WriteLine($"  of which ack → the silo emits the change (per product): p50 {Percentile(emitting, 0.50):0} ms, p99 {Percentile(emitting, 0.99):0} ms; emitted → subscriber: p50 {Percentile(delivering, 0.50):0} ms, p99 {Percentile(delivering, 0.99):0} ms; emitted → read by a plain consumer of profile-changes (one Kafka hop): p50 {Percentile(hop, 0.50):0} ms, p99 {Percentile(hop, 0.99):0} ms with the default fetch wait (500 ms), p50 {Percentile(quickHop, 0.50):0} ms, p99 {Percentile(quickHop, 0.99):0} ms with 10 ms");
            return missed == 0 ? 0 : 1;
        });
    }

    private static async Task<int> WithFleetAsync(Func<FleetEndpoints, HttpClient, Task<int>> measure)
    {
        Console.WriteLine("starting the fleet in a child process (local Kafka, ClickHouse, Redis, two profile silos, every service)...");
        using var host = FleetHost.Start();
        try
        {
            var endpoints = await FleetHost.ReadEndpointsAsync(host);
            using var http = new HttpClient { BaseAddress = new Uri(endpoints.IngestUrl), Timeout = TimeSpan.FromSeconds(30) };
            Console.WriteLine($"fleet up; gateway {endpoints.GatewayUrl}; service logs in {endpoints.LogFolder}");
            return await measure(endpoints, http);
        }
        finally
        {
            host.StandardInput.Close();
            await host.WaitForExitAsync();
        }
    }

    /// <summary>
    /// Waits until the silos' consumer group has settled (every silo reads some product-events partitions, all of them
    /// read once): "healthy" comes before the second silo's join has moved partitions, and that rebalance stops them
    /// for seconds on the local Kafka, which would land in the first measurements.
    /// </summary>
    internal static async Task WaitForSettledSilosAsync(FleetEndpoints endpoints)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var partitions = Topics.DefaultPartitions[Topics.ProductEvents];
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var owned = await Task.WhenAll(endpoints.ProfileSiloUrls.Select(async url =>
            {
                try
                {
                    using var status = JsonDocument.Parse(await http.GetStringAsync(url + "/v1/profiles/status"));
                    return status.RootElement.GetProperty("partitions").GetInt64();
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
                {
                    return 0L;
                }
            }));
            if (owned.All(p => p > 0) && owned.Sum() == partitions)
            {
                Console.WriteLine($"the {owned.Length} silos share the {partitions} product-events partitions ({string.Join(" + ", owned)}) after {waited.Elapsed.TotalSeconds:0.0} s");
                return;
            }

            if (waited.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"The silos' consumer group did not settle in 2 minutes (partitions per silo: {string.Join(", ", owned)}).");
            }

            await Task.Delay(500);
        }
    }

    /// <summary>Gives every product a profile and waits until the last one shows it through the gateway.</summary>
    private static async Task SeedAsync(FleetEndpoints endpoints, HttpClient ingest, int viewsPerProduct, int products = Products)
    {
        await WaitForSettledSilosAsync(endpoints);
        await new WidgetTraffic(ingest, endpoints.ApiKey).PostViewsAsync(products, viewsPerProduct, CancellationToken.None);
        using var gateway = new HttpClient { BaseAddress = new Uri(endpoints.GatewayUrl) };
        var waited = Stopwatch.StartNew();
        foreach (var product in new[] { 0, products - 1 })
        {
            while (true)
            {
                using var response = await gateway.GetAsync($"/v1/products/{WidgetTraffic.Product(product)}/live");
                if (response.IsSuccessStatusCode
                    && JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("views_last_5m").GetInt64() >= viewsPerProduct)
                {
                    break;
                }

                if (waited.Elapsed > TimeSpan.FromMinutes(2))
                {
                    throw new TimeoutException($"{WidgetTraffic.Product(product)} had no profile through the gateway after 2 minutes (last answer {(int)response.StatusCode}).");
                }

                await Task.Delay(200);
            }
        }

        Console.WriteLine($"{products:N0} products have profiles ({viewsPerProduct} views each) after {waited.Elapsed.TotalSeconds:0.0} s");
    }

    private static async Task<string> RunWrkAsync(string url, string script, int connections, int seconds)
    {
        var start = new ProcessStartInfo("/usr/bin/wrk")
        {
            ArgumentList = { "-t2", $"-c{connections}", $"-d{seconds}s", "--latency", "-s", script, url },
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var wrk = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start.");
        var output = await wrk.StandardOutput.ReadToEndAsync();
        await wrk.WaitForExitAsync();
        return wrk.ExitCode == 0 ? output : throw new InvalidOperationException($"wrk exited with {wrk.ExitCode}:\n{output}");
    }

    private static (double Achieved, double P50, double P99, long Non2xx) ParseWrk(string output)
    {
        double Latency(string percentile)
        {
            var match = Regex.Match(output, $@"^\s*{percentile}%\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
            if (!match.Success)
            {
                throw new InvalidOperationException($"No {percentile}% line in wrk's output:\n{output}");
            }

            var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            return match.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
        }

        var rate = RequestsPerSecond().Match(output);
        var non2xx = Non2xx().Match(output);
        return (
            rate.Success ? double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            Latency("50"),
            Latency("99"),
            non2xx.Success ? long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture) : 0);
    }

    private static double Percentile(List<double> sorted, double q) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];

    private static string? Option(string[] args, string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex Non2xx();
}
