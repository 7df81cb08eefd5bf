using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Streaming.DevHost.Fleet;
using Streaming.Kafka;
using Streaming.LocalServers;
using Streaming.Profiles.Status;
using Xunit.Abstractions;

namespace Streaming.Profiles.Tests;

/// <summary>
/// Two silo processes and a gateway process against the local Kafka and a real Redis, fed a deterministic stream over
/// 2,000 products; one silo is killed with SIGKILL at random points and restarted. Afterwards every product's profile,
/// read through the gateway's GET /v1/products/{id}/live (the gateway an Orleans client of the silos via Redis
/// clustering, up through all the kills), equals field by field what the input gives on its own: none lost, none
/// counted twice.
/// </summary>
public sealed class SiloCrashTests(ITestOutputHelper output)
{
    private const int Products = 2000;
    private const int Events = 40_000;
    private const int Kills = 6;

    [Fact]
    public async Task SIGKILL_of_a_silo_at_random_points_leaves_every_profile_exact()
    {
        var random = new Random(7);
        var logs = Path.Combine(AppContext.BaseDirectory, "silo-crash-logs");
        if (Directory.Exists(logs))
        {
            Directory.Delete(logs, recursive: true);
        }

        Directory.CreateDirectory(logs);
        using var kafka = LocalKafkaCluster.Start(1, new Dictionary<string, int>
        {
            [Topics.ProductEvents] = 6, [Topics.ProfileChanges] = 3, [Topics.DeadLetter] = 1,
        });
        await using var redis = await LocalRedisServer.StartAsync();
        var stream = new ProductStream(Products, Events, DateTimeOffset.UtcNow, seed: 11);
        var silos = new[] { 1, 2 }.Select(n => new SiloSlot(n, kafka.BootstrapServers, redis.ConnectionString, logs)).ToArray();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        ServiceProcess? gateway = null;
        try
        {
            foreach (var silo in silos)
            {
                silo.Start();
            }

            gateway = StartGateway(kafka.BootstrapServers, redis.ConnectionString, logs);
            var gatewayUrl = gateway.Url;
            await WaitUntilAsync(async () => await StatusOfAsync(http, gatewayUrl + "/v1/products/prod-00000/live") == HttpStatusCode.OK, TimeSpan.FromSeconds(90),
                "the gateway to answer a live profile from the silos");

            // The stream goes in at a steady pace while silos are killed, so every kill lands on work in flight.
            var feeding = Task.Run(() => Feed(stream, kafka.BootstrapServers));
            for (var kill = 1; kill <= Kills; kill++)
            {
                var victim = silos[random.Next(silos.Length)];
                // Only a silo that owns partitions and has applied events has work to lose. After two kills in a row the group
                // can take a minute to settle (the survivor's revocation waits on calls to grains of the dead silo until
                // Orleans declares it dead), hence the generous wait.
                await WaitUntilAsync(async () => await victim.StatusAsync(http) is { Partitions: > 0, EventsApplied: > 0 }, TimeSpan.FromSeconds(180),
                    $"silo {victim.Number} to own partitions and apply events");
                await Task.Delay(random.Next(0, 1500));
                var before = await victim.StatusAsync(http);
                await victim.KillAndRestartAsync();
                output.WriteLine($"kill {kill}: SIGKILL silo {victim.Number} after {before}; {fed} events sent so far");
            }

            await feeding;
            output.WriteLine($"all {Events} events sent");
            var wrong = await CompareUntilExactAsync(stream, gateway.Url, TimeSpan.FromSeconds(240));
            foreach (var silo in silos)
            {
                output.WriteLine($"silo {silo.Number}: {await silo.StatusAsync(http)}");
            }

            // What the kills caused: partitions read again, in every silo's log (each incarnation appends to it).
            var rereads = Directory.EnumerateFiles(logs).Sum(f => File.ReadLines(f).Count(l => l.Contains("reading again", StringComparison.Ordinal)));
            output.WriteLine($"{rereads} partition re-reads after lost activations or failed feeds");

            Assert.True(wrong.Count == 0, $"{wrong.Count} of {Products} profiles wrong (logs in {logs}):\n{string.Join("\n", wrong.Take(10))}");
        }
        finally
        {
            if (gateway is not null)
            {
                await gateway.DisposeAsync();
            }

            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    private volatile int fed;

    /// <summary>
    /// Sends the stream in slices of 100, about 400 events/s; after each, the app re-posts 5 events of the last 2,000
    /// (some read before a kill, some not yet), which must not count.
    /// </summary>
    private void Feed(ProductStream stream, string bootstrap)
    {
        using var producer = new KafkaClients(Options.Create(new KafkaOptions { BootstrapServers = bootstrap })).CreateProducer("crash-test-input");
        var reposts = new Random(13);
        for (var from = 0; from < Events; from += 100)
        {
            stream.Send(producer, Topics.ProductEvents, from, Math.Min(Events, from + 100));
            var sent = Math.Min(Events, from + 100);
            stream.Repost(producer, Topics.ProductEvents, Enumerable.Range(0, 5).Select(_ => reposts.Next(Math.Max(0, sent - 2000), sent)));
            fed = Math.Min(Events, from + 100);
            Thread.Sleep(250);
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < timeout, $"Waited {timeout.TotalSeconds:0} s for {what}.");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// The gateway as the fleet runs it, an Orleans client of the silos (Redis clustering, the silos' default cluster and
    /// service ids) and a reader of profile-changes; ClickHouse is never asked. The public rate limit is set far above
    /// the test's reads, which all come from one address.
    /// </summary>
    private static ServiceProcess StartGateway(string kafka, string redis, string logs) =>
        ServiceProcess.Start(LocalFleet.Gateway, ServiceLayout.ServiceDll(LocalFleet.Gateway), LoopbackPorts.Free(), Path.Combine(logs, "gateway.log"), new Dictionary<string, string>
        {
            ["Orleans__Redis"] = redis,
            ["Kafka__BootstrapServers"] = kafka,
            ["ClickHouse__Url"] = "http://127.0.0.1:9",
            ["Gateway__RequestsPerMinute"] = "1000000",
        });

    private static async Task<HttpStatusCode?> StatusOfAsync(HttpClient http, string url)
    {
        try
        {
            using var response = await http.GetAsync(url);
            return response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Reads every profile through the gateway until all equal the input's, or the time is up.</summary>
    private async Task<List<string>> CompareUntilExactAsync(ProductStream stream, string gateway, TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = new Uri(gateway), Timeout = TimeSpan.FromSeconds(10) };
        using var parallel = new SemaphoreSlim(16);
        var clock = Stopwatch.StartNew();
        var wrong = new List<string>();
        do
        {
            var differences = await Task.WhenAll(stream.Products.Select(async product =>
            {
                await parallel.WaitAsync();
                try
                {
                    return await CompareAsync(http, stream, product);
                }
                finally
                {
                    parallel.Release();
                }
            }));
            wrong = [.. differences.OfType<string>()];
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0} s: {wrong.Count} profiles served by the gateway not (yet) equal to the input's");
            if (wrong.Count == 0)
            {
                break;
            }

            await Task.Delay(2000);
        }
        while (clock.Elapsed < timeout);

        return wrong;
    }

    /// <summary>
    /// Null when the gateway's answer for <paramref name="product"/> has exactly the expected fields and values, else
    /// what differs. The time-relative fields are expected as of the minute the request was sent or answered (equal
    /// unless a minute began in between, when either is right).
    /// </summary>
    private static async Task<string?> CompareAsync(HttpClient http, ProductStream stream, string product)
    {
        var sent = DateTimeOffset.UtcNow;
        SortedDictionary<string, string> shown;
        try
        {
            using var response = await http.GetAsync($"/v1/products/{product}/live");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return $"{product}: status {(int)response.StatusCode}";
            }

            if (response.Headers.ETag is null || response.Headers.CacheControl?.MaxAge != TimeSpan.FromSeconds(1))
            {
                return $"{product}: ETag {response.Headers.ETag}, Cache-Control {response.Headers.CacheControl}";
            }

            using var body = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
            shown = WidgetJson.Fields(body.RootElement);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return $"{product}: no answer ({ex.Message})";
        }

        var answered = DateTimeOffset.UtcNow;
        var differences = WidgetJson.Differences(shown, stream.ExpectedWidget(product, sent)).ToList();
        if (differences.Count > 0 && !WidgetJson.Differences(shown, stream.ExpectedWidget(product, answered)).Any())
        {
            return null; // a minute began while the request was under way, and the gateway answered as of the new one
        }

        return differences.Count == 0 ? null : $"{product}: {string.Join("; ", differences)}";
    }

    /// <summary>One silo's place in the cluster: the same ports and settings on every restart.</summary>
    private sealed class SiloSlot(int number, string kafka, string redis, string logs) : IAsyncDisposable
    {
        private readonly Dictionary<string, string> environment = new()
        {
            ["Kafka__BootstrapServers"] = kafka,
            ["Kafka__SessionTimeoutMs"] = "6000",
            ["Orleans__Redis"] = redis,
            ["Orleans__SiloPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
            ["ProductEvents__FlushInterval"] = "00:00:01",
        };

        public int Number => number;

        public ServiceProcess? Current { get; private set; }

        public void Start() => Current = ServiceProcess.Start(
            LocalFleet.ProfileSilo(number), ServiceLayout.ServiceDll(LocalFleet.Profiles), LoopbackPorts.Free(), Path.Combine(logs, $"silo-{number}.log"), environment);

        /// <summary>SIGKILL, as a crash, then the same silo again (same ports, same log file).</summary>
        public async Task KillAndRestartAsync() => Current = await Current!.CrashAndRestartAsync();

        /// <summary>The silo's status, or null while it does not answer.</summary>
        public async Task<StatusReport?> StatusAsync(HttpClient http)
        {
            try
            {
                await using var body = await http.GetStreamAsync(Current!.Url + StatusEndpoint.Path);
                return await JsonSerializer.DeserializeAsync(body, StatusJsonContext.Default.StatusReport);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return null;
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (Current is not null)
            {
                await Current.DisposeAsync();
            }
        }
    }
}
