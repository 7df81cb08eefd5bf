using System.Net.Http.Headers;

namespace Streaming.PushDelivery.Delivery;

/// <summary>When the next attempt goes: the provider's Retry-After if it gave one (bounded), else exponential backoff.</summary>
public sealed class RetryPolicy(DeliveryOptions options)
{
    /// <summary>The wait before attempt <paramref name="attempt"/> + 1, after <paramref name="attempt"/> attempts (1-based) failed.</summary>
    public TimeSpan Wait(int attempt, TimeSpan? retryAfter)
    {
        if (retryAfter is { } asked)
        {
            // At least the first backoff: a provider answering "Retry-After: 0" again and again is not called in a tight loop.
            return asked < options.InitialBackoff ? options.InitialBackoff : asked > options.MaxRetryAfter ? options.MaxRetryAfter : asked;
        }

        var backoff = options.InitialBackoff * Math.Pow(2, Math.Min(attempt - 1, 30));
        return backoff > options.MaxBackoff ? options.MaxBackoff : backoff;
    }

    /// <summary>Retry-After as delta-seconds or an HTTP date, relative to <paramref name="now"/>.</summary>
    public static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now) =>
        header?.Delta ?? (header?.Date is { } date ? date - now : null);
}
