using System.Collections.Concurrent;
using System.Globalization;
using Streaming.DevHost.Fleet;
using Streaming.Kafka;
using Streaming.LocalServers;

namespace Streaming.DevHost.Chaos;

/// <summary>A fault of the plan: when it starts (from the campaign's start), what it is, and the seed of its own choices.</summary>
public sealed record PlannedFault(TimeSpan At, string Kind, int Seed);

/// <summary>A fault as it happened: from its start to its end (a kill ends at once), and what exactly was done.</summary>
public sealed record InjectedFault(string Kind, string Detail, DateTimeOffset Start, DateTimeOffset End);

/// <summary>
/// Injects faults into a running fleet at seeded times: SIGKILL of each service, SIGSTOP/SIGCONT of ClickHouse, Redis
/// and a profile silo, ClickHouse and Redis killed (the supervisor starts them again), a Kafka broker down and up,
/// request errors and partition leaders moved in the local Kafka, and the push receiver answering 429, 503 or too late.
/// The plan (<see cref="Plan"/>) depends only on the seed and the length of the run; every kind comes once before any
/// comes twice. Faults on one target never overlap; faults on different targets may.
/// </summary>
public sealed class Nemesis(LocalFleet fleet, Action<string> report)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> targets = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<InjectedFault> injected = new();

    /// <summary>Every kind of fault, in a fixed order, with the target that two faults must not share.</summary>
    public IReadOnlyList<(string Kind, string Target)> Kinds { get; } = BuildKinds(fleet);

    public IReadOnlyList<InjectedFault> Injected => [.. injected.OrderBy(f => f.Start)];

    /// <summary>
    /// Faults starting between a warm-up and a cool-down (a sixth of the run each, at most half a minute and a minute),
    /// at least one of each kind and about one every 40 s on long runs, their times spread evenly with seeded jitter.
    /// </summary>
    public List<PlannedFault> Plan(int seed, TimeSpan run) => Plan([.. Kinds.Select(k => k.Kind)], seed, run);

    /// <inheritdoc cref="Plan(int, TimeSpan)"/>
    public static List<PlannedFault> Plan(IReadOnlyList<string> kinds, int seed, TimeSpan run)
    {
        var random = new Random(seed);
        var warmUp = Min(TimeSpan.FromSeconds(30), run / 6);
        var window = run - warmUp - Min(TimeSpan.FromMinutes(1), run / 6);
        var count = Math.Max(kinds.Count, (int)(window.TotalSeconds / 40));
        var order = kinds.OrderBy(_ => random.Next()).ToList();
        while (order.Count < count)
        {
            order.Add(kinds[random.Next(kinds.Count)]);
        }

        return [.. order.Select((kind, i) => new PlannedFault(warmUp + (window * ((i + random.NextDouble()) / count)), kind, random.Next()))];
    }

    /// <summary>
    /// Runs <paramref name="plan"/> from now until <paramref name="stop"/>; a fault due before then whose target is still
    /// taken may start up to <see cref="LateStart"/> after it. Returns once every fault that started has ended.
    /// </summary>
    public async Task RunAsync(IReadOnlyList<PlannedFault> plan, CancellationToken stop)
    {
        using var late = new CancellationTokenSource();
        using var lateAfterStop = stop.Register(() => late.CancelAfter(LateStart));
        var started = DateTimeOffset.UtcNow;
        var running = new List<Task>();
        foreach (var fault in plan)
        {
            var wait = started + fault.At - DateTimeOffset.UtcNow;
            try
            {
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, stop);
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }

            running.Add(InjectAsync(fault, late.Token));
        }

        await Task.WhenAll(running);
    }

    private async Task InjectAsync(PlannedFault fault, CancellationToken stop)
    {
        var target = Kinds.Single(k => k.Kind == fault.Kind).Target;
        var gate = targets.GetOrAdd(target, _ => new SemaphoreSlim(1, 1));
        try
        {
            await gate.WaitAsync(stop);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            var start = DateTimeOffset.UtcNow;
            report($"fault: {fault.Kind}");
            var detail = await FaultAsync(fault.Kind, new Random(fault.Seed), stop);
            var end = DateTimeOffset.UtcNow;
            injected.Enqueue(new InjectedFault(fault.Kind, detail, start, end));
            if (end - start > TimeSpan.FromSeconds(1))
            {
                report(string.Create(CultureInfo.InvariantCulture, $"fault over: {fault.Kind} ({detail}, {(end - start).TotalSeconds:0} s)"));
            }

            if (target == PushReceiver)
            {
                await Task.Delay(PushReceiverRest, stop);
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
        catch (Exception ex)
        {
            report($"fault {fault.Kind} could not be injected: {ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Does one fault to its end and says what it did; whatever it paused or took down is back when it returns.</summary>
    private async Task<string> FaultAsync(string kind, Random random, CancellationToken stop)
    {
        switch (kind)
        {
            case var k when k.StartsWith(KillPrefix, StringComparison.Ordinal) && Service(k[KillPrefix.Length..]) is { } service:
                return Kill(service.HasExited ? null : service.ProcessId, "pid");
            case KillClickHouse:
                return Kill(fleet.ClickHouse.ProcessId, "pid");
            case KillRedis:
                return Kill(fleet.Redis.ProcessId, "pid");
            case HangClickHouse:
                return await HangAsync(fleet.ClickHouse.ProcessId, random, stop);
            case HangRedis:
                return await HangAsync(fleet.Redis.ProcessId, random, stop);
            case HangSilo:
                var silos = fleet.Services.Where(s => s.Name.StartsWith(LocalFleet.Profiles, StringComparison.Ordinal)).ToList();
                var silo = silos[random.Next(silos.Count)];
                return LocalFleet.ShortName(silo.Name) + ", " + await HangAsync(silo.HasExited ? null : silo.ProcessId, random, stop);
            case BrokerDown:
                var broker = random.Next(1, fleet.Kafka.Brokers + 1);
                var down = Seconds(random, 5, 20);
                fleet.Kafka.BrokerDown(broker);
                try
                {
                    await Task.Delay(down, stop);
                }
                catch (OperationCanceledException)
                {
                    // Stopped early: up again below all the same.
                }
                finally
                {
                    fleet.Kafka.BrokerUp(broker);
                }

                return $"broker {broker}";
            case RequestErrors:
                // Retriable errors, as a broker under load or in a leader election answers: not leader, timed out, not
                // coordinator, a rebalance in progress.
                var produce = random.Next(5, 20);
                fleet.Kafka.PushRequestErrors(ApiProduce, [.. Enumerable.Range(0, produce).Select(_ => random.Next(2) == 0 ? NotLeader : RequestTimedOut)]);
                fleet.Kafka.PushRequestErrors(ApiFetch, [.. Enumerable.Repeat(NotLeader, random.Next(3, 10))]);
                fleet.Kafka.PushRequestErrors(ApiOffsetCommit, [.. Enumerable.Repeat(NotCoordinator, random.Next(1, 4))]);
                fleet.Kafka.PushRequestErrors(ApiHeartbeat, [.. Enumerable.Repeat(RebalanceInProgress, random.Next(1, 3))]);
                return $"{produce} produce, fetch, commit and heartbeat errors";
            case LeaderMove:
                var topics = Topics.DefaultPartitions.Keys.Order(StringComparer.Ordinal).ToList();
                var topic = topics[random.Next(topics.Count)];
                for (var partition = 0; partition < Topics.DefaultPartitions[topic]; partition++)
                {
                    fleet.Kafka.MovePartitionLeader(topic, partition, random.Next(1, fleet.Kafka.Brokers + 1));
                }

                return $"leaders of {topic}";
            case PushTooManyRequests:
                // Retry-After: 2 paces the worker's attempts: 6 of them last about 10 s.
                return await MisbehaveAsync(PushReceiverFault.TooManyRequests, Seconds(random, 4, 8), stop);
            case PushUnavailable:
                // Backoff 1, 2, 4, 8, 16 s: 6 attempts last about 30 s.
                return await MisbehaveAsync(PushReceiverFault.Unavailable, Seconds(random, 8, 20), stop);
            case PushTimeout:
                // 10 s per attempt and the backoff: 6 attempts last over a minute.
                return await MisbehaveAsync(PushReceiverFault.Timeout, Seconds(random, 8, 20), stop);
            default:
                throw new InvalidOperationException("No such fault: " + kind);
        }
    }

    private ServiceProcess? Service(string shortName) => fleet.Services.FirstOrDefault(s => LocalFleet.ShortName(s.Name) == shortName);

    private static string Kill(int? pid, string what)
    {
        if (pid is not { } id)
        {
            return "already down";
        }

        Signals.KillNow(id);
        return string.Create(CultureInfo.InvariantCulture, $"{what} {id}");
    }

    private static async Task<string> HangAsync(int? pid, Random random, CancellationToken stop)
    {
        if (pid is not { } id)
        {
            return "already down";
        }

        var hang = Seconds(random, 5, 25);
        Signals.Suspend(id);
        try
        {
            await Task.Delay(hang, stop);
        }
        catch (OperationCanceledException)
        {
            // Stopped early: resumed below all the same.
        }
        finally
        {
            Signals.Resume(id);
        }

        return string.Create(CultureInfo.InvariantCulture, $"pid {id}");
    }

    /// <summary>
    /// The receiver misbehaves for <paramref name="spell"/>, shorter than the delivery worker's default attempts last
    /// for that answer; <see cref="InjectAsync"/> then keeps the target for <see cref="PushReceiverRest"/>, so that the
    /// retries of one spell end before the next spell starts and no push fails because of the campaign's own timing.
    /// </summary>
    private async Task<string> MisbehaveAsync(PushReceiverFault misbehaviour, TimeSpan spell, CancellationToken stop)
    {
        var refusedBefore = fleet.PushReceiver.Refused;
        fleet.PushReceiver.Misbehave(misbehaviour);
        try
        {
            await Task.Delay(spell, stop);
        }
        catch (OperationCanceledException)
        {
            // Stopped early.
        }
        finally
        {
            fleet.PushReceiver.Misbehave(PushReceiverFault.None);
        }

        var refused = fleet.PushReceiver.Refused - refusedBefore;
        return string.Create(CultureInfo.InvariantCulture, $"{refused} requests refused or answered late in {spell.TotalSeconds:0} s");
    }

    /// <summary>How long a planned fault may still wait for its target once the run's time is up.</summary>
    public static readonly TimeSpan LateStart = TimeSpan.FromMinutes(1);

    /// <summary>How long the push receiver behaves after a spell before the next one may start.</summary>
    private static readonly TimeSpan PushReceiverRest = TimeSpan.FromSeconds(20);

    private static TimeSpan Seconds(Random random, int min, int max) => TimeSpan.FromSeconds(random.Next(min, max + 1));

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static List<(string Kind, string Target)> BuildKinds(LocalFleet fleet) =>
    [
        .. fleet.Services.Select(s => (KillPrefix + LocalFleet.ShortName(s.Name), LocalFleet.ShortName(s.Name))),
        (HangClickHouse, "ClickHouse"), (HangRedis, "Redis"), (HangSilo, "silo"),
        (KillClickHouse, "ClickHouse"), (KillRedis, "Redis"),
        (BrokerDown, "Kafka"), (RequestErrors, "Kafka"), (LeaderMove, "Kafka"),
        (PushTooManyRequests, PushReceiver), (PushUnavailable, PushReceiver), (PushTimeout, PushReceiver),
    ];

    private const string PushReceiver = "push receiver";
    private const string KillPrefix = "SIGKILL ";
    private const string HangClickHouse = "SIGSTOP ClickHouse";
    private const string HangRedis = "SIGSTOP Redis";
    private const string HangSilo = "SIGSTOP a profile silo";
    private const string KillClickHouse = "ClickHouse killed";
    private const string KillRedis = "Redis killed";
    private const string BrokerDown = "Kafka broker down";
    private const string RequestErrors = "Kafka request errors";
    private const string LeaderMove = "Kafka leaders moved";
    private const string PushTooManyRequests = "push provider 429";
    private const string PushUnavailable = "push provider 503";
    private const string PushTimeout = "push provider timeouts";

    // Kafka API keys and error codes (the protocol's numbers).
    private const short ApiProduce = 0;
    private const short ApiFetch = 1;
    private const short ApiOffsetCommit = 8;
    private const short ApiHeartbeat = 12;
    private const int NotLeader = 6;
    private const int RequestTimedOut = 7;
    private const int NotCoordinator = 16;
    private const int RebalanceInProgress = 27;
}
