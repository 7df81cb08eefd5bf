namespace Streaming.Topology.Processing;

/// <summary>What happened to one input record in a windowing task.</summary>
internal enum RecordOutcome
{
    /// <summary>Counted in an open window (or filtered out, or had no key: nothing to count).</summary>
    Counted,

    /// <summary>Counted in a closed window, whose corrected result was emitted at once.</summary>
    Corrected,

    /// <summary>Beyond the correction horizon: goes to the late-events topic.</summary>
    TooLate,

    /// <summary>A re-send of a source position already counted: dropped.</summary>
    Duplicate,

    /// <summary>An event whose identity was already counted, with the same content: dropped.</summary>
    ReSent,

    /// <summary>An event whose identity was already counted with other content: the first copy counts, this one goes to the dead-letter topic.</summary>
    ReSentChanged,

    /// <summary>Not a readable event: goes to the dead-letter topic.</summary>
    Unreadable,
}
