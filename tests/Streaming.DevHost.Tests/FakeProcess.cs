using System.Threading.Channels;
using Streaming.DevHost.Supervision;

namespace Streaming.DevHost.Tests;

/// <summary>A supervised process the test drives: it exits when told to, and records each restart with the fake clock's time.</summary>
internal sealed class FakeProcess(string name, TimeProvider time) : ISupervisedProcess
{
    private readonly Channel<int> exits = Channel.CreateUnbounded<int>();
    private readonly Channel<DateTimeOffset> restarts = Channel.CreateUnbounded<DateTimeOffset>();

    public string Name => name;

    public string LogFile => "/logs/" + name + ".log";

    /// <summary>Restarts that throw instead of starting, from the next one on.</summary>
    public int FailingStarts { get; set; }

    public int Restarts { get; private set; }

    public void Exit(int code) => exits.Writer.TryWrite(code);

    /// <summary>The fake time of the next attempt to start it (failed or not); fails the test if none comes within a few seconds of real time.</summary>
    public async Task<DateTimeOffset> NextStartAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await restarts.Reader.ReadAsync(timeout.Token);
    }

    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken) => await exits.Reader.ReadAsync(cancellationToken);

    public Task RestartAsync(CancellationToken cancellationToken)
    {
        if (FailingStarts > 0)
        {
            FailingStarts--;
            // A start that fails leaves the process exited: the supervisor sees that at once.
            exits.Writer.TryWrite(-1);
            restarts.Writer.TryWrite(time.GetUtcNow());
            throw new InvalidOperationException("port in use");
        }

        Restarts++;
        restarts.Writer.TryWrite(time.GetUtcNow());
        return Task.CompletedTask;
    }
}
