using Microsoft.Extensions.Options;
using Streaming.PushTrigger.Feeds;

namespace Streaming.PushTrigger.Audiences;

/// <summary>
/// Bounds the users deciding at once across the silo (<see cref="FeedOptions.MaxDecisionsInFlight"/>). Without it a
/// batch of profile changes asks every user of every audience at once: measured with 4,750 products crossing a threshold
/// (190,000 users), Redis had 37,000 writes queued, they timed out after 5 s, and the batch was read again, forever.
/// </summary>
public sealed class DecisionGate(IOptions<FeedOptions> options) : IDisposable
{
    private readonly SemaphoreSlim slots = new(options.Value.MaxDecisionsInFlight);

    /// <summary>Runs <paramref name="decide"/> once a slot is free.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> decide)
    {
        await slots.WaitAsync();
        try
        {
            return await decide();
        }
        finally
        {
            slots.Release();
        }
    }

    public void Dispose() => slots.Dispose();
}
