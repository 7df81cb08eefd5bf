using System.ComponentModel.DataAnnotations;
using Streaming.Topology;

namespace Streaming.Metrics;

/// <summary>How the metric topologies window and score events; the aggregator binds it from section "Aggregator".</summary>
public sealed class MetricOptions : IValidatableObject
{
    public const string Section = "Aggregator";

    /// <summary>Prefixes every topology's consumer groups and checkpoints; a new prefix starts from scratch.</summary>
    [Required]
    [RegularExpression("^[a-z0-9][a-z0-9.-]{0,40}$")]
    public string GroupPrefix { get; set; } = "aggregator";

    /// <summary>Window length. The metrics are per minute; shorter windows are for latency benchmarks and tests.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan WindowSize { get; set; } = TimeSpan.FromMinutes(1);

    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan Grace { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan CorrectionHorizon { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Emit open windows that changed this often, marked provisional; zero turns it off.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ProvisionalInterval { get; set; } = TimeSpan.Zero;

    /// <summary>Weights of the popularity score: views, wishlists and bookings.</summary>
    [Range(0, 1_000_000)]
    public double ViewWeight { get; set; } = 1;

    [Range(0, 1_000_000)]
    public double WishlistWeight { get; set; } = 5;

    [Range(0, 1_000_000)]
    public double BookingWeight { get; set; } = 20;

    public TumblingWindowOptions ToWindowOptions() => new()
    {
        Size = WindowSize,
        Grace = Grace,
        IdleTimeout = IdleTimeout,
        CorrectionHorizon = CorrectionHorizon,
    };

    public string TopologyName(string metric) => GroupPrefix + "." + metric;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Windows must tile minutes and hours, so that rollups and dashboards line up.
        var (size, minute, hour) = (WindowSize.Ticks, TimeSpan.TicksPerMinute, TimeSpan.TicksPerHour);
        if (size <= 0 || (size <= minute ? minute % size != 0 : size % minute != 0 || hour % size != 0))
        {
            yield return new ValidationResult("WindowSize must divide a minute (00:00:05, 00:00:30, 00:01:00) or be whole minutes dividing an hour.", [nameof(WindowSize)]);
        }

        if (ProvisionalInterval > TimeSpan.Zero && ProvisionalInterval < TimeSpan.FromMilliseconds(100))
        {
            yield return new ValidationResult("ProvisionalInterval must be zero (off) or at least 100 ms.", [nameof(ProvisionalInterval)]);
        }
    }
}
