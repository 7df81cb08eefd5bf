namespace Streaming.Topology;

/// <summary>Size and lateness of a topology's tumbling event-time windows.</summary>
public sealed record TumblingWindowOptions
{
    /// <summary>Window length; windows are [t, t + Size) aligned to the Unix epoch (so whole UTC minutes).</summary>
    public TimeSpan Size { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long after its end a window waits for out-of-order events.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A partition with no records for this long moves its watermark with the wall clock.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Closed windows accept corrections for this long after they close; older events are counted as too late.</summary>
    public TimeSpan CorrectionHorizon { get; init; } = TimeSpan.FromHours(1);
}
