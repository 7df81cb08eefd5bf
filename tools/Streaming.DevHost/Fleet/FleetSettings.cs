namespace Streaming.DevHost.Fleet;

/// <summary>How to run the fleet on one machine. Ports of 0 mean "pick free ones" (tests); the demo fixes them.</summary>
public sealed record FleetSettings
{
    /// <summary>Folder for logs and the ClickHouse data; null means a temporary folder removed at the end.</summary>
    public string? StateFolder { get; init; }

    public int GatewayPort { get; init; }

    public int IngestPort { get; init; }

    public int ClickHouseHttpPort { get; init; }

    public int ClickHouseTcpPort { get; init; }

    public int KafkaBrokers { get; init; } = 3;

    /// <summary>How many profile silos (Orleans) to run; they share the product-events partitions and the grains.</summary>
    public int ProfileSilos { get; init; } = 2;

    public string ClickHouseDatabase { get; init; } = "streaming";

    /// <summary>The key of client "app" (scope ingest), new each run: 36 characters, above the fleet's 32-character minimum.</summary>
    public string ApiKey { get; init; } = "dev-app-" + Guid.NewGuid().ToString("N");

    /// <summary>The key of client "ops" (scopes support and operator: a user's pushes, the ledger's re-check), new each run.</summary>
    public string OperatorKey { get; init; } = "dev-ops-" + Guid.NewGuid().ToString("N");

    /// <summary>Extra configuration for every service, e.g. ["Aggregator__IdleTimeout"] = "00:00:01".</summary>
    public IReadOnlyDictionary<string, string> ServiceConfiguration { get; init; } = new Dictionary<string, string>();

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);
}
