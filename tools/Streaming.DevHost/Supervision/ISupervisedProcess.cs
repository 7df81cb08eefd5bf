namespace Streaming.DevHost.Supervision;

/// <summary>A child process the dev host keeps running: a service of the fleet or a local server.</summary>
public interface ISupervisedProcess
{
    /// <summary>The name the summary shows, e.g. "Aggregator", "ClickHouse".</summary>
    string Name { get; }

    /// <summary>Where its output goes, named when it exits.</summary>
    string LogFile { get; }

    /// <summary>Completes with the exit code when the current process exits.</summary>
    Task<int> WaitForExitAsync(CancellationToken cancellationToken);

    /// <summary>Starts it again with the same settings after it exited.</summary>
    Task RestartAsync(CancellationToken cancellationToken);
}
