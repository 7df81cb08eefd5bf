namespace Streaming.ServiceDefaults.Clients;

/// <summary>
/// A budget refilled continuously at <c>perSecond</c> up to <c>capacity</c>; a take of n succeeds whole or not at all.
/// Not System.Threading.RateLimiting's token bucket: that one refills on a timer in whole tokens per period and reads
/// the system clock, so fractional rates (100 a minute) and a test clock are out of reach.
/// </summary>
public sealed class TokenBucket
{
    private readonly Lock gate = new();
    private readonly TimeProvider clock;
    private readonly double perSecond;
    private readonly double capacity;
    private double tokens;
    private long refilledAt;

    public TokenBucket(double perSecond, int capacity, TimeProvider clock)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        this.clock = clock;
        this.perSecond = perSecond;
        this.capacity = capacity;
        tokens = capacity;
        refilledAt = clock.GetTimestamp();
    }

    /// <summary>Takes <paramref name="count"/> tokens, or none; then <paramref name="retryAfter"/> says when there will be enough.</summary>
    public bool TryTake(int count, out TimeSpan retryAfter)
    {
        lock (gate)
        {
            var now = clock.GetTimestamp();
            tokens = Math.Min(capacity, tokens + (clock.GetElapsedTime(refilledAt, now).TotalSeconds * perSecond));
            refilledAt = now;
            if (count <= tokens)
            {
                tokens -= count;
                retryAfter = TimeSpan.Zero;
                return true;
            }

            // More than the capacity never fits: the caller must refuse such a take before it gets here.
            retryAfter = count > capacity ? TimeSpan.MaxValue : TimeSpan.FromSeconds((count - tokens) / perSecond);
            return false;
        }
    }
}
