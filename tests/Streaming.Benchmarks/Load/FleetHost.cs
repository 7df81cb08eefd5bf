using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Streaming.DevHost.Fleet;

namespace Streaming.Benchmarks.Load;

/// <summary>Where the fleet of a load run listens, as its host process reports it.</summary>
/// <param name="ProfileSiloUrls">Each profile silo's HTTP address (its /v1/profiles/status).</param>
internal sealed record FleetEndpoints(
    string IngestUrl, string GatewayUrl, string ApiKey, string KafkaBootstrap, string ClickHouseUrl, string ClickHouseDatabase, string LogFolder,
    IReadOnlyList<string> ProfileSiloUrls);

/// <summary>
/// The fleet of a load run in a child process (`load-fleet`): the local Kafka lives in that process, so its CPU is
/// the child's own, apart from the load generator's; ClickHouse and every service are the child's children. The child
/// prints one line of <see cref="FleetEndpoints"/> JSON on stdout once every service is healthy (progress goes to
/// stderr), and stops the fleet when its input closes. Arguments after `load-fleet` of the form <c>Key=Value</c> are
/// more service configuration (e.g. the push benchmark's receiver as <c>PushDelivery__Endpoint</c>).
/// </summary>
internal static class FleetHost
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(5);

    // The generator stamps events up to 1.5 s in the past and batches of concurrent requests overtake each other a
    // little: 2 s of grace keeps them on time, and each window closes soon enough to be measured within its step.
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    public static async Task<int> RunAsync(string[] args)
    {
        var state = Path.Combine(ServiceLayout.RepositoryRoot(), ".local", "bench-load");
        if (Directory.Exists(state))
        {
            Directory.Delete(state, recursive: true); // a fresh Kafka and ClickHouse each run; the logs stay until the next
        }

        var configuration = new Dictionary<string, string>
        {
            ["Aggregator__WindowSize"] = Window.ToString("c", CultureInfo.InvariantCulture),
            ["Aggregator__Grace"] = Grace.ToString("c", CultureInfo.InvariantCulture),
            // The widget benchmarks load the public API from one address.
            ["Gateway__RequestsPerMinute"] = "1000000", // GatewayOptions allows at most 1,000,000
        };
        foreach (var setting in args.Skip(1).Where(a => a.Contains('=', StringComparison.Ordinal)))
        {
            configuration[setting[..setting.IndexOf('=', StringComparison.Ordinal)]] = setting[(setting.IndexOf('=', StringComparison.Ordinal) + 1)..];
        }

        var settings = new FleetSettings
        {
            StateFolder = state,
            KafkaBrokers = 1,
            ServiceConfiguration = configuration,
        };
        await using var fleet = await LocalFleet.StartAsync(settings, line => Console.Error.WriteLine("  " + line), CancellationToken.None);
        var silos = fleet.Services.Where(s => s.Name.StartsWith(LocalFleet.Profiles, StringComparison.Ordinal)).Select(s => s.Url).ToList();
        var endpoints = new FleetEndpoints(
            fleet.IngestUrl, fleet.GatewayUrl, settings.ApiKey, fleet.KafkaBootstrap, fleet.ClickHouseOptions.Url, settings.ClickHouseDatabase, fleet.LogFolder, silos);
        Console.WriteLine(JsonSerializer.Serialize(endpoints, LoadJson.Default.FleetEndpoints));
        Console.Out.Flush();
        while (await Console.In.ReadLineAsync() is not null)
        {
            // Only the end of input matters.
        }

        Console.Error.WriteLine("  stopping the fleet");
        return 0;
    }

    /// <summary>Starts this program as the fleet's host, with more service configuration; the caller closes its input to stop it.</summary>
    public static Process Start(IReadOnlyDictionary<string, string>? configuration = null)
    {
        var start = ChildProcess.StartInfo(["load-fleet", .. (configuration ?? new Dictionary<string, string>()).Select(c => c.Key + "=" + c.Value)]);
        (start.RedirectStandardInput, start.RedirectStandardOutput) = (true, true);
        return Process.Start(start) ?? throw new InvalidOperationException("Could not start the fleet's host process.");
    }

    public static async Task<FleetEndpoints> ReadEndpointsAsync(Process host)
    {
        var line = await host.StandardOutput.ReadLineAsync()
            ?? throw new InvalidOperationException($"The fleet's host exited ({(host.HasExited ? host.ExitCode : -1)}) before the fleet was up; see its messages above.");
        return JsonSerializer.Deserialize(line, LoadJson.Default.FleetEndpoints) ?? throw new InvalidOperationException("The fleet's host printed no endpoints.");
    }
}

[JsonSerializable(typeof(FleetEndpoints))]
internal sealed partial class LoadJson : JsonSerializerContext;
