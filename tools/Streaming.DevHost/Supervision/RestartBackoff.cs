namespace Streaming.DevHost.Supervision;

/// <summary>
/// The delay before one process starts again, per <see cref="RestartPolicy"/>: call <see cref="Started"/> at each
/// attempt to start it and <see cref="Exited"/> when it exits or the attempt fails; the clock is <paramref name="time"/>.
/// </summary>
public sealed class RestartBackoff(RestartPolicy policy, TimeProvider time)
{
    private long startedAt = time.GetTimestamp();
    private int failures;

    /// <summary>Exits in a row, each within <see cref="RestartPolicy.StableAfter"/> of its start.</summary>
    public int Failures => failures;

    public void Started() => startedAt = time.GetTimestamp();

    /// <summary>The delay before the next start.</summary>
    public TimeSpan Exited()
    {
        if (time.GetElapsedTime(startedAt) >= policy.StableAfter)
        {
            failures = 0;
        }

        // Capped before doubling so that a long crash loop cannot overflow.
        var delay = policy.FirstDelay;
        for (var i = 0; i < failures && delay < policy.MaxDelay; i++)
        {
            delay *= 2;
        }

        failures++;
        return delay < policy.MaxDelay ? delay : policy.MaxDelay;
    }
}
