using Microsoft.Extensions.Time.Testing;
using Streaming.Topology.Windowing;

namespace Streaming.Topology.Tests.Windowing;

/// <summary>
/// A random out-of-order stream is processed once without interruption and then with a crash: the task restores its
/// last checkpoint and reprocesses from the checkpoint's offset. Whatever was emitted before the crash, the latest
/// revision of every (window, key) must equal the ground truth, and one identity must never carry two values.
/// </summary>
public sealed class CrashRestoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
    private static readonly TumblingWindowOptions Options = new()
    {
        Grace = TimeSpan.FromSeconds(5),
        IdleTimeout = TimeSpan.FromSeconds(1),
        CorrectionHorizon = TimeSpan.FromHours(1),
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Results_after_crashes_at_random_points_equal_the_ground_truth(int seed)
    {
        var random = new Random(seed);
        // 3,000 records over 10 minutes of event time, jittered by up to 20 s so some arrive after their window closed.
        var input = Enumerable.Range(0, 3000)
            .Select(i => (Key: "k" + random.Next(8), At: T0.AddMilliseconds(i * 200 + random.Next(-20_000, 1000))))
            .ToList();
        var truth = input.GroupBy(r => (Start: Minute(r.At), r.Key)).ToDictionary(g => g.Key, g => (long)g.Count());

        var clock = new FakeTimeProvider(T0);
        var all = new List<WindowResult<string, long[]>>();
        var windows = New(clock);
        (WindowSnapshot<string, long[]> State, int Offset)? checkpoint = null;
        var crashes = Enumerable.Range(0, 4).Select(_ => random.Next(input.Count)).ToHashSet();
        for (var offset = 0; offset < input.Count; offset++)
        {
            var (key, at) = input[offset];
            windows.Add(key, at, offset, v => v[0]++, all);
            // The wall clock follows the stream; now and then a pause longer than the idle timeout closes the current
            // window early, at different places in the first run and in the replay: results must not depend on it.
            var wall = T0.AddMilliseconds(offset * 200) + (random.Next(50) == 0 ? TimeSpan.FromSeconds(8) : TimeSpan.Zero);
            clock.Advance(wall > clock.GetUtcNow() ? wall - clock.GetUtcNow() : TimeSpan.Zero);
            windows.Advance(all);
            if (offset % 97 == 0)
            {
                checkpoint = (windows.Snapshot(), offset + 1);
            }

            if (crashes.Remove(offset))
            {
                // Crash: everything since the checkpoint is forgotten, but what was emitted stays emitted.
                windows = New(clock);
                if (checkpoint is { } c)
                {
                    windows.Restore(c.State);
                }

                offset = (checkpoint?.Offset ?? 0) - 1;
            }
        }

        clock.Advance(TimeSpan.FromMinutes(2));
        windows.Advance(all);

        foreach (var identity in all.GroupBy(r => (r.WindowStart, r.Key, r.Revision)))
        {
            Assert.Single(identity.Select(r => r.Value[0]).Distinct());
        }

        var latest = all.GroupBy(r => (Start: r.WindowStart, r.Key)).ToDictionary(g => g.Key, g => g.MaxBy(r => r.Revision).Value[0]);
        Assert.Equal(truth.OrderBy(kv => kv.Key).ToList(), latest.OrderBy(kv => kv.Key).ToList());
        Assert.Equal(0, windows.TooLate);
    }

    private static PartitionWindows<string, long[]> New(TimeProvider clock) => new(Options, () => new long[1], v => [.. v], clock);

    private static DateTimeOffset Minute(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
}
