using System.Diagnostics;

namespace Streaming.LocalServers;

/// <summary>
/// What the local servers started as child processes share: a pid file in their folder, so that a server left behind
/// by a killed parent is stopped before a new one takes the folder, and a graceful stop that kills after a grace period.
/// </summary>
internal static class ChildServerProcess
{
    private const string PidFile = "server.pid";

    public static void WritePid(string folder, Process process) =>
        File.WriteAllText(Path.Combine(folder, PidFile), process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Stops the server named in the folder's pid file if it still runs and is <paramref name="processName"/>.</summary>
    public static void StopStale(string folder, string processName)
    {
        var pidFile = Path.Combine(folder, PidFile);
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile), out var pid))
        {
            return;
        }

        try
        {
            using var stale = Process.GetProcessById(pid);
            if (stale.ProcessName.Contains(processName, StringComparison.Ordinal))
            {
                stale.Kill();
                stale.WaitForExit(10000);
            }
        }
        catch (ArgumentException)
        {
            // Already gone.
        }

        File.Delete(pidFile);
    }

    /// <summary>The server's process when this process started it; otherwise says which variable named another server.</summary>
    public static Process StartedHere(Process? process, string server, string variable) =>
        process ?? throw new InvalidOperationException($"The server at {server} was not started here ({variable} is set).");

    /// <summary>Completes with the exit code when <paramref name="process"/> exits.</summary>
    public static async Task<int> ExitCodeAsync(Process process, CancellationToken cancellationToken)
    {
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode;
    }

    /// <summary>The process to replace, which must have exited: a running server keeps its folder and ports.</summary>
    public static Process Exited(Process? process, string server, string variable)
    {
        var exited = StartedHere(process, server, variable);
        return exited.HasExited ? exited : throw new InvalidOperationException($"The server at {server} is still running.");
    }

    /// <summary>SIGTERM, then a kill after <paramref name="grace"/>; the pid file goes with the process.</summary>
    public static async Task StopAsync(Process process, string folder, TimeSpan grace)
    {
        if (!process.HasExited)
        {
            Signals.Terminate(process.Id);
            using var wait = new CancellationTokenSource(grace);
            try
            {
                await process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        process.Dispose();
        File.Delete(Path.Combine(folder, PidFile));
    }
}
