namespace Streaming.Events;

/// <summary>
/// The event schema's limits: field lengths (the gateway caps its query values by the same ones) and how far an event's
/// time may be from now when it is accepted. The defaults suit mobile and server clients.
/// </summary>
public sealed class EventLimits
{
    public const int MaxIdLength = 64;
    public const int MaxTextLength = 100;

    /// <summary>How far into the future an event may be (device clocks drift).</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How old an event may be; older ones are refused rather than corrupting closed history.</summary>
    public TimeSpan MaxEventAge { get; init; } = TimeSpan.FromDays(7);
}
