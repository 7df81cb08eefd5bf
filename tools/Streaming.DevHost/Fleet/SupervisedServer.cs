using Streaming.DevHost.Supervision;
using Streaming.LocalServers;

namespace Streaming.DevHost.Fleet;

/// <summary>A local server (ClickHouse, Redis) under a <see cref="Supervisor"/>: started again on its folder and ports.</summary>
public sealed class SupervisedServer : ISupervisedProcess
{
    private readonly Func<CancellationToken, Task<int>> waitForExit;
    private readonly Func<CancellationToken, Task> restart;

    private SupervisedServer(string name, string logFile, Func<CancellationToken, Task<int>> waitForExit, Func<CancellationToken, Task> restart)
    {
        Name = name;
        LogFile = logFile;
        this.waitForExit = waitForExit;
        this.restart = restart;
    }

    public string Name { get; }

    public string LogFile { get; }

    /// <summary>Only for a server this process started (<see cref="LocalClickHouseServer.IsChildProcess"/>).</summary>
    public static SupervisedServer For(LocalClickHouseServer server) =>
        new("ClickHouse", server.LogFile ?? "", server.WaitForExitAsync, server.RestartAsync);

    /// <summary>Only for a server this process started (<see cref="LocalRedisServer.IsChildProcess"/>).</summary>
    public static SupervisedServer For(LocalRedisServer server) =>
        new("Redis", server.LogFile ?? "", server.WaitForExitAsync, server.RestartAsync);

    public Task<int> WaitForExitAsync(CancellationToken cancellationToken) => waitForExit(cancellationToken);

    public Task RestartAsync(CancellationToken cancellationToken) => restart(cancellationToken);
}
