namespace Streaming.PushDelivery.Delivery;

/// <summary>What one attempt came to.</summary>
public enum AttemptOutcome
{
    Delivered,

    /// <summary>Worth another attempt (5xx, 408, 429, a timeout, no connection).</summary>
    Retry,

    /// <summary>The provider refused the push itself (another 4xx): no attempt will do better.</summary>
    Rejected,
}

/// <param name="RetryAfter">The wait a 429 (or 503) asked for, if it said.</param>
public sealed record AttemptResult(AttemptOutcome Outcome, string Detail, TimeSpan? RetryAfter = null);
