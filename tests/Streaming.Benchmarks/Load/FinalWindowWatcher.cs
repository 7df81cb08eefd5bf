using System.Collections.Concurrent;
using Streaming.ClickHouse;

namespace Streaming.Benchmarks.Load;

/// <summary>Wall-clock time as Unix seconds, the one clock of a load run (windows are aligned to it).</summary>
internal static class LoadClock
{
    public static double Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    public static async Task DelayUntilAsync(double at)
    {
        var wait = at - Now();
        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(wait)); // paces the run; this is a load generator, not a test
        }
    }
}

/// <summary>
/// Polls ClickHouse every 100 ms for windows that became final (see <see cref="FinalWindows"/>) and remembers when
/// each was first seen, so that a window's freshness is that time minus its close. Polls look back 2 minutes at most:
/// a window later than that is stale whatever its exact age.
/// </summary>
internal sealed class FinalWindowWatcher(ClickHouseClient clickHouse, double from) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<long, double> visible = new();
    private readonly CancellationTokenSource stop = new();
    private Task? polling;

    public bool AnyVisible => !visible.IsEmpty;

    public void Start() => polling = Task.Run(PollAsync);

    /// <summary>When the window starting at <paramref name="windowStart"/> (Unix seconds) was first seen final, if it was.</summary>
    public double? VisibleAt(long windowStart) => visible.TryGetValue(windowStart, out var at) ? at : null;

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (polling is not null)
        {
            await polling;
        }

        stop.Dispose();
    }

    private async Task PollAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                var since = DateTimeOffset.FromUnixTimeSeconds((long)Math.Max(from, LoadClock.Now() - 120));
                try
                {
                    var final = await FinalWindows.QueryAsync(clickHouse, since, stop.Token);
                    var now = LoadClock.Now();
                    foreach (var window in final)
                    {
                        visible.TryAdd(window, now);
                    }
                }
                catch (HttpRequestException)
                {
                    // ClickHouse unreachable for a moment: the next poll asks again.
                }
                catch (ClickHouseException)
                {
                    // ClickHouse refused the query under load: the next poll asks again.
                }
                catch (TaskCanceledException) when (!stop.IsCancellationRequested)
                {
                    // A slow answer timed out: the next poll asks again.
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run is over.
        }
    }
}
