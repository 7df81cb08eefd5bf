namespace Streaming.DevHost.Supervision;

/// <summary>
/// How the dev host restarts a process that exited: after <see cref="FirstDelay"/>, doubling with each exit up to
/// <see cref="MaxDelay"/>; a process that ran at least <see cref="StableAfter"/> before it exited starts over at the
/// first delay, so one crash an hour does not wait as long as a crash loop.
/// </summary>
public sealed record RestartPolicy(TimeSpan FirstDelay, TimeSpan MaxDelay, TimeSpan StableAfter)
{
    public static RestartPolicy Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1));
}
