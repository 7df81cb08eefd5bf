namespace Streaming.Topology.Windowing;

internal enum WindowAddOutcome
{
    /// <summary>Counted in a window that is still open.</summary>
    Added,

    /// <summary>Counted in a closed window, whose corrected result was emitted at once.</summary>
    Corrected,

    /// <summary>Beyond the correction horizon: not counted; route the record to the late-events topic.</summary>
    TooLate,
}
