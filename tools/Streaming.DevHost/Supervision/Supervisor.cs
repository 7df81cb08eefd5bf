using System.Collections.Concurrent;
using System.Globalization;

namespace Streaming.DevHost.Supervision;

/// <summary>One supervised process as the summary shows it: how often it was restarted and, while it is down, why and until when.</summary>
public sealed record SupervisedStatus(string Name, int Restarts, bool Down, int? LastExitCode, DateTimeOffset? NextStart);

/// <summary>
/// Keeps child processes running: when one exits, says so (exit code and log), waits per <see cref="RestartPolicy"/>
/// and starts it again, for as long as it keeps failing. Nothing restarts once <paramref name="stop"/> is cancelled
/// or the supervisor is disposed, so a shutdown (Ctrl-C reaches the children too) never starts anything again.
/// </summary>
public sealed class Supervisor(RestartPolicy policy, TimeProvider time, Action<string> report, CancellationToken stop) : IAsyncDisposable
{
    private readonly CancellationTokenSource stopping = CancellationTokenSource.CreateLinkedTokenSource(stop);
    private readonly ConcurrentDictionary<string, SupervisedStatus> statuses = new(StringComparer.Ordinal);
    private readonly List<Task> watches = [];
    private readonly List<string> names = [];

    /// <summary>Every supervised process, in the order they were added.</summary>
    public IReadOnlyList<SupervisedStatus> Statuses
    {
        get
        {
            lock (watches)
            {
                return [.. names.Select(n => statuses[n])];
            }
        }
    }

    /// <summary>Watches <paramref name="process"/> (already started) from now on.</summary>
    public void Watch(ISupervisedProcess process)
    {
        lock (watches)
        {
            names.Add(process.Name);
            statuses[process.Name] = new SupervisedStatus(process.Name, 0, false, null, null);
            watches.Add(WatchAsync(process, stopping.Token));
        }
    }

    private async Task WatchAsync(ISupervisedProcess process, CancellationToken cancellationToken)
    {
        try
        {
            await KeepRunningAsync(process, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Never seen; if it happens, the process is left as it is and the demo goes on.
            report($"stopped watching {process.Name} ({ex.GetType().Name}: {ex.Message})");
        }
    }

    private async Task KeepRunningAsync(ISupervisedProcess process, CancellationToken cancellationToken)
    {
        var backoff = new RestartBackoff(policy, time);
        while (!cancellationToken.IsCancellationRequested)
        {
            int exitCode;
            try
            {
                exitCode = await process.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                // Stopping: Ctrl-C reaches the children too, and their exits are expected.
                return;
            }

            var delay = backoff.Exited();
            Update(process.Name, s => s with { Down = true, LastExitCode = exitCode, NextStart = time.GetUtcNow() + delay });
            // The timer is set before the report, so that whoever reads the report can count on it.
            var wait = Task.Delay(delay, time, cancellationToken);
            report(string.Create(CultureInfo.InvariantCulture,
                $"{process.Name} exited with code {exitCode}; starting it again in {Seconds(delay)} (log: {process.LogFile})"));
            try
            {
                await wait;
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                backoff.Started();
                await process.RestartAsync(cancellationToken);
                var restarts = Update(process.Name, s => s with { Restarts = s.Restarts + 1, Down = false, NextStart = null }).Restarts;
                report(string.Create(CultureInfo.InvariantCulture, $"restarted {process.Name} ({restarts}x)"));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Whatever went wrong starting it, the demo goes on: the loop waits for the process to have exited
                // (at once when it never started) and tries again after a longer delay.
                Update(process.Name, s => s with { NextStart = null });
                report($"{process.Name} did not start again ({ex.GetType().Name}: {ex.Message}) (log: {process.LogFile})");
            }
        }
    }

    private SupervisedStatus Update(string name, Func<SupervisedStatus, SupervisedStatus> change) =>
        statuses.AddOrUpdate(name, _ => throw new InvalidOperationException(name + " is not supervised."), (_, s) => change(s));

    private static string Seconds(TimeSpan delay) => delay.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s";

    /// <summary>Stops restarting (the processes keep running; their owner stops them) and waits for the watches to end.</summary>
    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        Task[] all;
        lock (watches)
        {
            all = [.. watches];
        }

        await Task.WhenAll(all);
        stopping.Dispose();
    }
}
