using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using StackExchange.Redis;
using Streaming.Kafka;
using Streaming.LocalServers;
using Streaming.Profiles.Contracts;
using Xunit.Abstractions;

namespace Streaming.Profiles.Tests;

/// <summary>
/// Two silo processes against the local Kafka and a real Redis, fed a deterministic stream over 2,000 products; one
/// of them is killed with SIGKILL at random points and restarted. Afterwards every product's profile, read through an
/// Orleans client, equals the totals computed from the input on their own: none lost, none counted twice.
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
        try
        {
            foreach (var silo in silos)
            {
                silo.Start();
            }

            // The stream goes in at a steady pace while silos are killed, so every kill lands on work in flight.
            var feeding = Task.Run(() => Feed(stream, kafka.BootstrapServers));
            for (var kill = 1; kill <= Kills; kill++)
            {
                var victim = silos[random.Next(silos.Length)];
                // Only a silo that owns partitions and has applied events has work to lose.
                await WaitUntilAsync(async () => await victim.Current!.StatusAsync(http) is { Partitions: > 0, EventsApplied: > 0 }, TimeSpan.FromSeconds(90),
                    $"silo {victim.Number} to own partitions and apply events");
                await Task.Delay(random.Next(0, 1500));
                var before = await victim.Current!.StatusAsync(http);
                await victim.KillAndRestartAsync();
                output.WriteLine($"kill {kill}: SIGKILL silo {victim.Number} after {before}; {fed} events sent so far");
            }

            await feeding;
            output.WriteLine($"all {Events} events sent");
            var wrong = await CompareUntilExactAsync(stream, redis.ConnectionString, TimeSpan.FromSeconds(240));
            foreach (var silo in silos)
            {
                output.WriteLine($"silo {silo.Number}: {await silo.Current!.StatusAsync(http)}");
            }

            // What the kills caused: partitions read again, in every incarnation's log.
            var rereads = Directory.EnumerateFiles(logs).Sum(f => File.ReadLines(f).Count(l => l.Contains("reading again", StringComparison.Ordinal)));
            output.WriteLine($"{rereads} partition re-reads after lost activations or failed feeds");

            Assert.True(wrong.Count == 0, $"{wrong.Count} of {Products} profiles wrong (logs in {logs}):\n{string.Join("\n", wrong.Take(10))}");
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    private volatile int fed;

    /// <summary>Sends the stream in slices of 100, about 400 events/s.</summary>
    private void Feed(ProductStream stream, string bootstrap)
    {
        using var producer = new KafkaClients(Options.Create(new KafkaOptions { BootstrapServers = bootstrap })).CreateProducer("crash-test-input");
        for (var from = 0; from < Events; from += 100)
        {
            stream.Send(producer, Topics.ProductEvents, from, Math.Min(Events, from + 100));
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

    /// <summary>Reads every profile through an Orleans client until all equal the input's totals, or the time is up.</summary>
    private async Task<List<string>> CompareUntilExactAsync(ProductStream stream, string redis, TimeSpan timeout)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = ("streaming", "streaming"));
            client.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
        });
        using var host = builder.Build();
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IClusterClient>();
        var clock = Stopwatch.StartNew();
        var wrong = new List<string>();
        do
        {
            wrong.Clear();
            var profiles = await Task.WhenAll(stream.Products.Select(async p => (Product: p, Shown: await TryReadAsync(grains, p))));
            foreach (var (product, shown) in profiles)
            {
                if (shown != stream.Expected(product))
                {
                    wrong.Add($"{product}: shown {shown?.ToString() ?? "(no answer)"}, expected {stream.Expected(product)}");
                }
            }

            output.WriteLine($"{clock.Elapsed.TotalSeconds:0} s: {wrong.Count} profiles not (yet) equal to the input's totals");
            if (wrong.Count == 0)
            {
                break;
            }

            await Task.Delay(2000);
        }
        while (clock.Elapsed < timeout);

        await host.StopAsync();
        return wrong;
    }

    private static async Task<ExpectedTotals?> TryReadAsync(IClusterClient grains, string product)
    {
        try
        {
            return ProductStream.Shown(await grains.GetGrain<IProductProfileGrain>(product).GetProfileAsync());
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            return null;
        }
    }

    /// <summary>One silo's place in the cluster: the same ports on every restart, one log file per start.</summary>
    private sealed class SiloSlot(int number, string kafka, string redis, string logs) : IAsyncDisposable
    {
        private readonly int httpPort = LoopbackPorts.Free();
        private readonly Dictionary<string, string> environment = new()
        {
            ["Kafka__BootstrapServers"] = kafka,
            ["Kafka__SessionTimeoutMs"] = "6000",
            ["Orleans__Redis"] = redis,
            ["Orleans__SiloPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
            ["ProductEvents__FlushInterval"] = "00:00:01",
        };
        private int starts;

        public int Number => number;

        public SiloProcess? Current { get; private set; }

        public void Start() => Current = SiloProcess.Start(httpPort, Path.Combine(logs, $"silo-{number}-{++starts}.log"), environment);

        public async Task KillAndRestartAsync()
        {
            await Current!.KillAsync();
            await Current.DisposeAsync();
            Start();
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
