using System.Globalization;
using BenchmarkDotNet.Attributes;
using Streaming.Events;
using Streaming.Metrics;
using Streaming.Reposts;

namespace Streaming.Benchmarks;

/// <summary>
/// What counting each event once costs a windowing task: naming an event's identity (hashes of user and event id, a
/// fingerprint of its content), remembering it in a task's table of <see cref="Ids"/> identities, and writing the
/// identities remembered since the previous checkpoint as its new segment. Each operation is one event. The setup
/// prints the table's bytes per remembered identity (`bytes per remembered id`).
/// </summary>
[MemoryDiagnoser]
public class EventIdentityBenchmarks
{
    private const int Ids = 50_000; // about what one of 24 tasks remembers in the kafka-cpu run
    private const uint Now = 1_800_000_000;
    private AppEvent[] events = [];
    private ulong[] ids = [];
    private RememberedEvents full = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        var at = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
        events = [.. Enumerable.Range(0, Ids).Select(i => new AppEvent(
            "b" + i.ToString(CultureInfo.InvariantCulture), EventTypes.ProductView, "u" + random.Next(20_000).ToString(CultureInfo.InvariantCulture), "s-u1",
            "p" + random.Next(2_000).ToString(CultureInfo.InvariantCulture), at.AddMilliseconds(i), "ios", "KR", "Seoul", null, null, at, "tour"))];
        ids = [.. events.Select(e => AppEventIdentity.Of(e).Id)];
        full = new RememberedEvents();
        foreach (var id in ids)
        {
            full.Remember(id, 1, Now + 3_600, Now);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bytes per remembered id: {(double)full.Bytes / full.Count:0.0} ({full.Count:N0} ids in a table of {full.Bytes:N0} bytes)"));
    }

    [Benchmark(OperationsPerInvoke = Ids)]
    public ulong Identity()
    {
        var sum = 0UL;
        foreach (var e in events)
        {
            var identity = AppEventIdentity.Of(e);
            sum += identity.Id + identity.Content;
        }

        return sum;
    }

    /// <summary>A new table taking <see cref="Ids"/> identities (growing as it goes), then seeing each once more.</summary>
    [Benchmark(OperationsPerInvoke = Ids * 2)]
    public int RememberAndRecall()
    {
        var table = new RememberedEvents();
        var repeats = 0;
        foreach (var id in ids)
        {
            table.Remember(id, 1, Now + 3_600, Now);
        }

        foreach (var id in ids)
        {
            repeats += table.Remember(id, 1, Now + 3_600, Now) == Remembered.Repeat ? 1 : 0;
        }

        return repeats;
    }

    /// <summary>A checkpoint's new segment: the journal of <see cref="Ids"/> identities remembered since the previous one.</summary>
    [Benchmark(OperationsPerInvoke = Ids)]
    public int RememberAndJournal()
    {
        var table = new RememberedEvents();
        foreach (var id in ids)
        {
            table.Remember(id, 1, Now + 3_600, Now);
        }

        return table.TakeJournal().Bytes.Length;
    }
}

/// <summary>
/// The windowing tasks' whole per-record path (decode, identity, windows) for the concurrent-users topology, with
/// and without identities: 400,000 events of live traffic over 24 tasks, as in the kafka-cpu run. Each operation is
/// one event.
/// </summary>
[MemoryDiagnoser]
public class WindowingTaskBenchmarks
{
    private const int Events = 400_000;
    private const int Tasks = 24;
    private readonly List<Topology.TopologyResult<Metrics.ConcurrentUsers.UserSeries, HashSet<string>>> results = [];
    private byte[][] records = [];

    [Params(false, true)]
    public bool Identities { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(5);
        var start = DateTimeOffset.UtcNow;
        records = [.. Enumerable.Range(0, Events).Select(i =>
        {
            var at = start.AddMilliseconds(i / 40.0);
            var user = "u" + random.Next(20_000).ToString(CultureInfo.InvariantCulture);
            var e = new AppEvent("b" + i.ToString(CultureInfo.InvariantCulture), EventTypes.ProductView, user, "s-" + user,
                "p" + random.Next(2_000).ToString(CultureInfo.InvariantCulture), at, "ios", "KR", "Seoul", null, null, at, "tour");
            return System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(e, EventJsonContext.Default.AppEvent);
        })];
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public int Process()
    {
        var topology = Metrics.ConcurrentUsers.ConcurrentUsersTopology.Define(new MetricOptions());
        if (!Identities)
        {
            topology = topology with { Source = topology.Source with { Identity = null } };
        }

        var tasks = Enumerable.Range(0, Tasks).Select(p => new Topology.Processing.WindowingTask<AppEvent, Metrics.ConcurrentUsers.UserSeries, HashSet<string>>(topology, p, TimeProvider.System)).ToArray();
        for (var i = 0; i < records.Length; i++)
        {
            tasks[i % Tasks].Process(records[i], i / Tasks, null, results, out _);
            results.Clear();
        }

        return tasks.Sum(t => t.RememberedEvents.Count);
    }
}
