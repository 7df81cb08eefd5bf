namespace Streaming.Events;

/// <summary>Limits the ingest gateway applies to every request; the defaults suit mobile and server clients.</summary>
public sealed class IngestLimits
{
    public const int MaxIdLength = 64;
    public const int MaxTextLength = 100;

    /// <summary>How far into the future an event may be (device clocks drift).</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How old an event may be; older ones are refused rather than corrupting closed history.</summary>
    public TimeSpan MaxEventAge { get; init; } = TimeSpan.FromDays(7);
}
