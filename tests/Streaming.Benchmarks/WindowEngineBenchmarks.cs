using BenchmarkDotNet.Attributes;
using Streaming.Topology;
using Streaming.Topology.Windowing;

namespace Streaming.Benchmarks;

/// <summary>
/// The in-memory windowing engine: a one-minute tumbling count and sum over 100,000 keys, one thread.
/// Each operation is one event, so the mean is nanoseconds per event on one core and "Allocated" is bytes per event.
/// </summary>
[MemoryDiagnoser]
public class WindowEngineBenchmarks
{
    private const int Keys = 100_000;
    private const int Events = 1_000_000;
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
    private readonly TumblingWindowOptions options = new() { Grace = TimeSpan.FromSeconds(5), IdleTimeout = TimeSpan.FromHours(1) };
    private readonly List<WindowResult<string, Totals>> emitted = new(Keys * 2);
    private string[] keys = [];
    private int[] keyOfEvent = [];
    private DateTimeOffset[] steadyTimes = [];
    private DateTimeOffset[] lifecycleTimes = [];
    private long[] amounts = [];
    private PartitionWindows<string, Totals> warm = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        keys = [.. Enumerable.Range(0, Keys).Select(i => "product-" + i)];
        keyOfEvent = [.. Enumerable.Range(0, Events).Select(_ => random.Next(Keys))];
        amounts = [.. Enumerable.Range(0, Events).Select(_ => (long)random.Next(1, 100_000))];
        // Steady state: every event lands in one minute whose windows already exist.
        steadyTimes = [.. Enumerable.Range(0, Events).Select(i => Start.AddMilliseconds(i * 50.0 / Events * 1000))];
        // Whole lifecycle: ten minutes of events (about one event per key per minute), windows opened, closed, forgotten.
        lifecycleTimes = [.. Enumerable.Range(0, Events).Select(i => Start.AddMilliseconds(i * 600_000.0 / Events))];
    }

    [IterationSetup(Target = nameof(SteadyState))]
    public void CreateWarmWindows()
    {
        warm = New();
        for (var k = 0; k < Keys; k++)
        {
            warm.Add(keys[k], Start, k, 1L, static (t, amount) => t.Add(amount), emitted);
        }
    }

    /// <summary>Per-event cost once each key's window exists: the path every event takes at steady state.</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public long SteadyState()
    {
        var windows = warm;
        for (var i = 0; i < Events; i++)
        {
            windows.Add(keys[keyOfEvent[i]], steadyTimes[i], i, amounts[i], static (t, amount) => t.Add(amount), emitted);
            if ((i & 1023) == 0)
            {
                windows.Advance(emitted);
            }
        }

        return windows.Additions;
    }

    /// <summary>Per-event cost including opening, closing, emitting and forgetting windows over ten minutes.</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public long Lifecycle()
    {
        var windows = New();
        for (var i = 0; i < Events; i++)
        {
            windows.Add(keys[keyOfEvent[i]], lifecycleTimes[i], i, amounts[i], static (t, amount) => t.Add(amount), emitted);
            if ((i & 1023) == 0)
            {
                windows.Advance(emitted);
                emitted.Clear();
            }
        }

        return windows.Additions;
    }

    private PartitionWindows<string, Totals> New() =>
        new(options, static () => new Totals(), static t => new Totals { Count = t.Count, Sum = t.Sum }, TimeProvider.System);

    public sealed class Totals
    {
        public long Count { get; set; }

        public long Sum { get; set; }

        public void Add(long amount)
        {
            Count++;
            Sum += amount;
        }
    }
}
