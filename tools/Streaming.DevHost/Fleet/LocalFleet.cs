using Streaming.ClickHouse;
using Streaming.DevHost.Supervision;
using Streaming.Kafka;
using Streaming.LocalServers;
using Streaming.ServiceDefaults.Clients;

namespace Streaming.DevHost.Fleet;

/// <summary>
/// The whole fleet on one machine: the local Kafka (in this process), a local ClickHouse and Redis (child processes),
/// and every service as its own process (the profiles silo as several). Used by `./run demo` and by the integration tests.
/// </summary>
public sealed class LocalFleet : IAsyncDisposable
{
    public const string Ingest = "Streaming.Ingest";
    public const string Aggregator = "Streaming.Aggregator";
    public const string Profiles = "Streaming.Profiles";
    public const string ClickHouseSink = "Streaming.ClickHouseSink";
    public const string Gateway = "Streaming.Gateway";
    public const string PushTrigger = "Streaming.PushTrigger";
    public const string PushDelivery = "Streaming.PushDelivery";

    /// <summary>The profile silos after the first are named "Streaming.Profiles-2", "Streaming.Profiles-3", ...</summary>
    public static string ProfileSilo(int number) => number == 1 ? Profiles : $"{Profiles}-{number}";

    // Replaced in place when a service starts again, while the summary reads it: always under the lock.
    private readonly List<ServiceProcess> services = [];
    private readonly Lock servicesGate = new();
    private readonly string stateFolder;
    private readonly bool deleteStateFolder;
    private LocalKafkaCluster? kafka;
    private LocalClickHouseServer? clickHouse;
    private LocalRedisServer? redis;
    private DemoPushReceiver? pushReceiver;
    private Supervisor? supervisor;

    private LocalFleet(FleetSettings settings, string stateFolder, bool deleteStateFolder)
    {
        Settings = settings;
        this.stateFolder = stateFolder;
        this.deleteStateFolder = deleteStateFolder;
    }

    public FleetSettings Settings { get; }

    public string KafkaBootstrap => kafka?.BootstrapServers ?? throw new InvalidOperationException("Not started.");

    /// <summary>The local Kafka (in this process): its brokers can be taken down, its requests made to fail.</summary>
    public LocalKafkaCluster Kafka => kafka ?? throw new InvalidOperationException("Not started.");

    public LocalClickHouseServer ClickHouse => clickHouse ?? throw new InvalidOperationException("Not started.");

    public LocalRedisServer Redis => redis ?? throw new InvalidOperationException("Not started.");

    /// <summary>Where the delivery worker posts pushes (the demo's stand-in for FCM).</summary>
    public DemoPushReceiver PushReceiver => pushReceiver ?? throw new InvalidOperationException("Not started.");

    /// <summary>The services as they run now (a copy: a supervised service is replaced when it starts again).</summary>
    public IReadOnlyList<ServiceProcess> Services
    {
        get
        {
            lock (servicesGate)
            {
                return [.. services];
            }
        }
    }

    /// <summary>What <see cref="Supervise"/> started, or null when nothing restarts exited processes (the tests).</summary>
    public Supervisor? Supervisor => supervisor;

    public string IngestUrl => Service(Ingest).Url;

    public string GatewayUrl => Service(Gateway).Url;

    public string LogFolder => Path.Combine(stateFolder, "logs");

    public ServiceProcess Service(string name)
    {
        lock (servicesGate)
        {
            return services.Single(s => s.Name == name);
        }
    }

    /// <summary>"Aggregator" for "Streaming.Aggregator": how the demo names a service.</summary>
    public static string ShortName(string service) => service.Replace("Streaming.", "", StringComparison.Ordinal);

    public ClickHouseOptions ClickHouseOptions => new() { Url = ClickHouse.Url, Database = Settings.ClickHouseDatabase };

    public KafkaOptions KafkaOptions => new() { BootstrapServers = KafkaBootstrap };

    public static async Task<LocalFleet> StartAsync(FleetSettings settings, Action<string> progress, CancellationToken cancellationToken)
    {
        var deleteState = settings.StateFolder is null;
        var state = Path.GetFullPath(settings.StateFolder ?? Path.Combine(Path.GetTempPath(), "streaming-fleet-" + Guid.NewGuid().ToString("N")[..12]));
        Directory.CreateDirectory(Path.Combine(state, "logs"));
        var fleet = new LocalFleet(settings, state, deleteState);
        try
        {
            await fleet.StartCoreAsync(progress, cancellationToken);
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(Action<string> progress, CancellationToken cancellationToken)
    {
        var ports = new Dictionary<string, int>
        {
            [Gateway] = LoopbackPorts.FreeOr(Settings.GatewayPort, "the gateway"),
            [Ingest] = LoopbackPorts.FreeOr(Settings.IngestPort, "the ingest"),
            [Aggregator] = LoopbackPorts.Free(),
            [ClickHouseSink] = LoopbackPorts.Free(),
            [PushTrigger] = LoopbackPorts.Free(),
            [PushDelivery] = LoopbackPorts.Free(),
        };

        progress($"starting local Kafka ({Settings.KafkaBrokers} brokers)");
        kafka = LocalKafkaCluster.Start(Settings.KafkaBrokers, Topics.DefaultPartitions);
        await File.WriteAllTextAsync(Path.Combine(stateFolder, "kafka-bootstrap"), kafka.BootstrapServers, cancellationToken);
        progress($"local Kafka at {kafka.BootstrapServers}");

        progress("starting ClickHouse");
        clickHouse = await LocalClickHouseServer.StartAsync(
            Path.Combine(stateFolder, "clickhouse"), Settings.ClickHouseHttpPort, Settings.ClickHouseTcpPort, cancellationToken: cancellationToken);
        progress($"ClickHouse at {clickHouse.Url}");

        // Grain state is keyed to this Kafka's offsets, and the local Kafka keeps nothing: Redis starts empty too.
        var redisFolder = Path.Combine(stateFolder, "redis");
        if (Directory.Exists(redisFolder))
        {
            Directory.Delete(redisFolder, recursive: true);
        }

        progress("starting Redis");
        redis = await LocalRedisServer.StartAsync(redisFolder, cancellationToken: cancellationToken);
        progress($"Redis at {redis.ConnectionString}");

        pushReceiver = await DemoPushReceiver.StartAsync(Path.Combine(LogFolder, "push-receiver.jsonl"));
        progress($"push receiver at {pushReceiver.Url}");

        var silos = Enumerable.Range(1, Settings.ProfileSilos).ToDictionary(
            ProfileSilo,
            _ => (Http: LoopbackPorts.Free(), Silo: LoopbackPorts.Free(), Gateway: LoopbackPorts.Free()));
        foreach (var (name, silo) in silos)
        {
            ports[name] = silo.Http;
        }

        // The push trigger is a silo of its own (its own cluster in the same Redis).
        var siloPorts = silos.ToDictionary(s => s.Key, s => (s.Value.Silo, s.Value.Gateway));
        siloPorts[PushTrigger] = (LoopbackPorts.Free(), LoopbackPorts.Free());

        var environment = new Dictionary<string, string>
        {
            ["Kafka__BootstrapServers"] = kafka.BootstrapServers,
            ["Orleans__Redis"] = redis.ConnectionString,
            ["ClickHouse__Url"] = clickHouse.Url,
            ["ClickHouse__Database"] = Settings.ClickHouseDatabase,
            // The apps' client posts events; its quota is far above what one machine's fleet takes, so load benchmarks measure the fleet.
            ["Clients__app__Keys__0"] = Settings.ApiKey,
            ["Clients__app__Scopes__0"] = ApiScopes.Ingest,
            ["Clients__app__Quota__EventsPerSecond"] = "1000000",
            ["Clients__app__Quota__EventsBurst"] = "1000000",
            ["Clients__app__Quota__RequestsPerMinute"] = "60000000",
            ["Clients__app__Quota__RequestsBurst"] = "1000000",
            // The support staff's and operators' client: a user's pushes and the ledger's re-check on the gateway.
            ["Clients__ops__Keys__0"] = Settings.OperatorKey,
            ["Clients__ops__Scopes__0"] = ApiScopes.Support,
            ["Clients__ops__Scopes__1"] = ApiScopes.Operator,
            ["PushDelivery__Endpoint"] = pushReceiver.Url,
        };
        // The gateway's status page sums the lag the consumers publish on their /metrics.
        var consumers = ports.Where(p => p.Key is not (Gateway or Ingest)).Select(p => p.Value).ToList();
        for (var i = 0; i < consumers.Count; i++)
        {
            environment[$"Gateway__LagSources__{i}"] = $"http://127.0.0.1:{consumers[i]}/metrics";
        }

        foreach (var (key, value) in Settings.ServiceConfiguration)
        {
            environment[key] = value;
        }

        foreach (var (name, port) in ports)
        {
            var project = silos.ContainsKey(name) ? Profiles : name;
            var serviceEnvironment = environment;
            if (siloPorts.TryGetValue(name, out var silo))
            {
                serviceEnvironment = new Dictionary<string, string>(environment)
                {
                    ["Orleans__SiloPort"] = silo.Silo.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["Orleans__GatewayPort"] = silo.Gateway.ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
            }

            var service = ServiceProcess.Start(name, ServiceLayout.ServiceDll(project), port, Path.Combine(LogFolder, name + ".log"), serviceEnvironment);
            lock (servicesGate)
            {
                services.Add(service);
            }
        }

        progress("waiting for services: " + string.Join(", ", ports.Keys.Select(n => n.Replace("Streaming.", "", StringComparison.Ordinal))));
        await Task.WhenAll(Services.Select(s => s.WaitUntilHealthyAsync(HealthPath(s.Name), Settings.StartTimeout, cancellationToken)));
        progress("all services healthy");
    }

    // The sink's readiness includes the ClickHouse schema, which the gateway needs.
    private static string HealthPath(string service) => service == ClickHouseSink ? "/readyz" : "/healthz";

    /// <summary>Kills a service with SIGKILL mid-work and starts it again; returns once it is healthy.</summary>
    public async Task CrashAndRestartAsync(string name, CancellationToken cancellationToken)
    {
        var restarted = await Service(name).CrashAndRestartAsync();
        Replace(name, restarted);
        await restarted.WaitUntilHealthyAsync("/healthz", Settings.StartTimeout, cancellationToken);
    }

    /// <summary>
    /// From now until the fleet is disposed or <paramref name="stop"/> is cancelled, restarts every service and local
    /// server (ClickHouse, Redis: same folder and ports) that exits, per <paramref name="policy"/> (default
    /// <see cref="RestartPolicy.Default"/>), and reports each exit and restart to <paramref name="report"/>.
    /// The local Kafka runs in this process: it ends only with it.
    /// </summary>
    public Supervisor Supervise(Action<string> report, CancellationToken stop, RestartPolicy? policy = null, TimeProvider? time = null)
    {
        if (supervisor is not null)
        {
            throw new InvalidOperationException("The fleet is already supervised.");
        }

        supervisor = new Supervisor(policy ?? RestartPolicy.Default, time ?? TimeProvider.System, report, stop);
        if (ClickHouse.IsChildProcess)
        {
            supervisor.Watch(SupervisedServer.For(ClickHouse));
        }

        if (Redis.IsChildProcess)
        {
            supervisor.Watch(SupervisedServer.For(Redis));
        }

        foreach (var service in Services)
        {
            var name = service.Name;
            supervisor.Watch(new SupervisedService(() => Service(name), next => Replace(name, next), HealthPath(name), Settings.StartTimeout));
        }

        return supervisor;
    }

    private void Replace(string name, ServiceProcess next)
    {
        lock (servicesGate)
        {
            services[services.FindIndex(s => s.Name == name)] = next;
        }
    }

    /// <summary>Stops restarting first, then the services (they commit their work), then ClickHouse and Redis, then Kafka.</summary>
    public async ValueTask DisposeAsync()
    {
        if (supervisor is not null)
        {
            await supervisor.DisposeAsync();
            supervisor = null;
        }

        await Task.WhenAll(Services.Select(s => s.DisposeAsync().AsTask()));
        lock (servicesGate)
        {
            services.Clear();
        }

        if (clickHouse is not null)
        {
            await clickHouse.DisposeAsync();
            clickHouse = null;
        }

        if (redis is not null)
        {
            await redis.DisposeAsync();
            redis = null;
        }

        if (pushReceiver is not null)
        {
            await pushReceiver.DisposeAsync();
            pushReceiver = null;
        }

        kafka?.Dispose();
        kafka = null;
        if (deleteStateFolder && Directory.Exists(stateFolder))
        {
            Directory.Delete(stateFolder, recursive: true);
        }
    }
}
