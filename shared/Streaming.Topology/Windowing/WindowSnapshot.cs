namespace Streaming.Topology.Windowing;

/// <summary>
/// The state of one partition's windows, as stored in a checkpoint. <paramref name="ZerosFrom"/> is the first window
/// whose explicit zeros are still to be emitted.
/// </summary>
internal sealed record WindowSnapshot<TKey, TValue>(
    DateTimeOffset Watermark,
    IReadOnlyList<OpenWindowState<TKey, TValue>> Open,
    IReadOnlyList<ClosedWindowState<TKey, TValue>> Closed,
    long Additions,
    long Corrections,
    long TooLate,
    long LastOffset = -1,
    DateTimeOffset? ZerosFrom = null);

/// <summary>A window still collecting records; <paramref name="LastOffset"/> is the last record it reflects.</summary>
internal sealed record OpenWindowState<TKey, TValue>(DateTimeOffset Start, TKey Key, TValue Value, long LastOffset);

/// <summary>A closed window kept for corrections until the correction horizon passes.</summary>
internal sealed record ClosedWindowState<TKey, TValue>(DateTimeOffset Start, TKey Key, TValue Value, long Revision);
