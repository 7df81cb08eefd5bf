using System.ComponentModel.DataAnnotations;

namespace Streaming.Gateway;

/// <summary>Section "Gateway".</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Public endpoints: requests per minute per client address.</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerMinute { get; set; } = 600;

    /// <summary>The widest time range one metrics query may ask for.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "31.00:00:00")]
    public TimeSpan MaxRange { get; set; } = TimeSpan.FromDays(7);

    [Range(1, 100_000)]
    public int MaxRows { get; set; } = 10_000;
}
