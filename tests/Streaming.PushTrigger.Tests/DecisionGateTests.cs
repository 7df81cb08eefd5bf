using Microsoft.Extensions.Options;
using Streaming.Orleans.Feeds;
using Streaming.PushTrigger.Audiences;
using Streaming.PushTrigger.Feeds;

namespace Streaming.PushTrigger.Tests;

public sealed class DecisionGateTests
{
    [Fact]
    public async Task At_most_MaxDecisionsInFlight_decisions_run_at_once_and_the_rest_run_as_slots_free()
    {
        using var gate = new DecisionGate(Options.Create(new FeedOptions { MaxDecisionsInFlight = 3 }));
        var running = 0;
        var most = 0;
        var release = new TaskCompletionSource();
        var started = new SemaphoreSlim(0);
        var decisions = Enumerable.Range(0, 10).Select(i => gate.RunAsync(async () =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            started.Release();
            await release.Task;
            Interlocked.Decrement(ref running);
            return i;
        })).ToList();

        for (var i = 0; i < 3; i++)
        {
            Assert.True(await started.WaitAsync(TimeSpan.FromSeconds(10)), "the first three decisions should start at once");
        }

        Assert.False(await started.WaitAsync(TimeSpan.FromMilliseconds(200)), "a fourth decision started while three were under way");
        release.SetResult();
        Assert.Equal(Enumerable.Range(0, 10), await Task.WhenAll(decisions).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(3, most);
    }

    [Fact]
    public void Profile_changes_go_to_the_grains_in_slices_of_MaxChangesPerBatch()
    {
        var changes = new GrainFeedOptions { MaxBatch = 5_000, MaxBatchDelay = TimeSpan.FromMilliseconds(30) };
        new FeedOptions { MaxChangesPerBatch = 100 }.SliceProfileChanges(changes);
        Assert.Equal(100, changes.MaxBatch);
        Assert.Equal(TimeSpan.FromMilliseconds(30), changes.MaxBatchDelay);
        var small = new GrainFeedOptions { MaxBatch = 50 };
        new FeedOptions { MaxChangesPerBatch = 100 }.SliceProfileChanges(small);
        Assert.Equal(50, small.MaxBatch);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }
}
