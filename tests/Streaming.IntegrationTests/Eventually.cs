using System.Diagnostics;

namespace Streaming.IntegrationTests;

/// <summary>Waits for a condition on a real system, with a deadline; reports the last observation on timeout.</summary>
public static class Eventually
{
    public static async Task<T> HoldsAsync<T>(Func<Task<T>> observe, Func<T, bool> condition, TimeSpan timeout, Func<T, string> describe)
    {
        var clock = Stopwatch.StartNew();
        var last = await observe();
        while (!condition(last))
        {
            Assert.True(clock.Elapsed < timeout, $"Not reached within {timeout.TotalSeconds:0} s; last seen: {describe(last)}");
            await Task.Delay(200);
            last = await observe();
        }

        return last;
    }
}
