using System.ComponentModel.DataAnnotations;

namespace Streaming.Profiles.Contracts;

/// <summary>How silos and clients find each other and where grain state lives (section "Orleans").</summary>
public sealed class OrleansClusterOptions
{
    public const string Section = "Orleans";

    /// <summary>StackExchange.Redis connection string for clustering and grain storage, e.g. "127.0.0.1:6379".</summary>
    [Required]
    public string Redis { get; set; } = "";

    [Required]
    public string ClusterId { get; set; } = "streaming";

    [Required]
    public string ServiceId { get; set; } = "streaming";

    /// <summary>Silo-to-silo port (silos only).</summary>
    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port clients (the gateway) connect to (silos only).</summary>
    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;
}
