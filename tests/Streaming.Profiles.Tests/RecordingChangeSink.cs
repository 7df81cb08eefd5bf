using Streaming.Profiles.Contracts;
using Streaming.Profiles.Profiles;

namespace Streaming.Profiles.Tests;

/// <summary>Keeps the changes grains emit; tests wait on them with a timeout.</summary>
public sealed class RecordingChangeSink : IProfileChangeSink
{
    private readonly List<ProfileChange> changes = [];
    private readonly Lock gate = new();
    private TaskCompletionSource published = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Publish(ProfileChange change)
    {
        lock (gate)
        {
            changes.Add(change);
            published.TrySetResult();
            published = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public IReadOnlyList<ProfileChange> Of(string productId)
    {
        lock (gate)
        {
            return [.. changes.Where(c => c.Profile.ProductId == productId)];
        }
    }

    /// <summary>Waits until <paramref name="productId"/> has <paramref name="count"/> changes; fails after the timeout.</summary>
    public async Task<IReadOnlyList<ProfileChange>> WaitForAsync(string productId, int count, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            Task next;
            lock (gate)
            {
                var seen = changes.Where(c => c.Profile.ProductId == productId).ToList();
                if (seen.Count >= count)
                {
                    return seen;
                }

                next = published.Task;
            }

            try
            {
                await next.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"{productId}: {Of(productId).Count} of {count} changes within {timeout.TotalSeconds:0} s.");
            }
        }
    }
}
