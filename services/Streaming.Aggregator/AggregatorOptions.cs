using System.ComponentModel.DataAnnotations;
using Streaming.Windows;

namespace Streaming.Aggregator;

/// <summary>Section "Aggregator".</summary>
public sealed class AggregatorOptions
{
    public const string Section = "Aggregator";

    [Required]
    public string GroupId { get; set; } = "aggregator-bookings";

    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan Grace { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan CorrectionHorizon { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often windowing tasks write a checkpoint (their state and input offset) after flushing results.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the repartitioner flushes and commits its input offsets.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromSeconds(1);

    public TumblingWindowOptions ToWindowOptions() => new()
    {
        Size = TimeSpan.FromMinutes(1),
        Grace = Grace,
        IdleTimeout = IdleTimeout,
        CorrectionHorizon = CorrectionHorizon,
    };
}
