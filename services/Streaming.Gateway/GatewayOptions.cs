using System.ComponentModel.DataAnnotations;

namespace Streaming.Gateway;

/// <summary>Section "Gateway".</summary>
public sealed class GatewayOptions : IValidatableObject
{
    public const string Section = "Gateway";

    /// <summary>Public endpoints: requests per minute per client address.</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerMinute { get; set; } = 600;

    /// <summary>The widest time range one metrics query may ask for.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "31.00:00:00")]
    public TimeSpan MaxRange { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long the gateway waits for one ClickHouse query before answering 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The most rows one metrics answer carries; beyond it the answer says <c>truncated</c>.</summary>
    [Range(1, 100_000)]
    public int MaxRows { get; set; } = 10_000;

    /// <summary>How many products /v1/metrics/popularity/top returns when the request names no <c>n</c>.</summary>
    [Range(1, 100_000)]
    public int DefaultTopN { get; set; } = 100;

    /// <summary>The largest <c>n</c> a client may ask /v1/metrics/popularity/top for.</summary>
    [Range(1, 100_000)]
    public int MaxTopN { get; set; } = 1_000;

    /// <summary>
    /// The /metrics pages of the consuming services, whose <c>streaming_consumer_lag</c> the status endpoint sums per
    /// group (the dev host sets them; none: the status has no lag, which Prometheus has anyway).
    /// </summary>
    public string[] LagSources { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // A default the validator would refuse would turn every request without n into a 400.
        if (DefaultTopN > MaxTopN)
        {
            yield return new ValidationResult(
                $"DefaultTopN ({DefaultTopN}) may not exceed MaxTopN ({MaxTopN}).", [nameof(DefaultTopN), nameof(MaxTopN)]);
        }
    }
}
