using System.Diagnostics;
using System.Globalization;
using Streaming.ClickHouse;
using Streaming.LocalServers;
using Streaming.ServiceDefaults;

namespace Streaming.DevHost.Fleet;

/// <summary>One service of the fleet as its own OS process, output to a log file, stopped with SIGTERM.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly Func<IReadOnlyDictionary<string, string>?, ServiceProcess> startAgain;
    private readonly Lock gate = new();
    private bool replaced;

    private ServiceProcess(string name, string url, string logFile, Process process, Func<IReadOnlyDictionary<string, string>?, ServiceProcess> startAgain)
    {
        Name = name;
        Url = url;
        LogFile = logFile;
        this.process = process;
        this.startAgain = startAgain;
    }

    public string Name { get; }

    public string Url { get; }

    public string LogFile { get; }

    /// <summary>The OS process id (for tests that kill it from outside, or tell a process that ran throughout from one started again).</summary>
    public int ProcessId => process.Id;

    /// <summary>True once the process ended (also for one that <see cref="StartAgain"/> replaced).</summary>
    public bool HasExited
    {
        get
        {
            lock (gate)
            {
                return replaced || process.HasExited;
            }
        }
    }

    public static ServiceProcess Start(string name, string dll, int port, string logFile, IReadOnlyDictionary<string, string> environment)
    {
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing. Build first: dotnet build Streaming.sln (./run does it).");
        }

        var url = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        // The shell only redirects output to the log file; exec keeps the service's own pid.
        var start = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", "exec \"$0\" exec \"$1\" >>\"$2\" 2>&1 </dev/null", DotnetHost(), dll, logFile },
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.Environment["ASPNETCORE_URLS"] = url;
        start.Environment[ServiceDefaultsExtensions.ParentPidVariable] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start.");
        return new ServiceProcess(name, url, logFile, process, changes => Start(name, dll, port, logFile, changes is null ? environment : Changed(environment, changes)));
    }

    /// <summary>
    /// Kills the process without warning (SIGKILL), as a crash would, and starts it again with the same settings, or
    /// with <paramref name="changes"/> over them (a crash followed by a redeploy with another configuration).
    /// </summary>
    public async Task<ServiceProcess> CrashAndRestartAsync(IReadOnlyDictionary<string, string>? changes = null)
    {
        process.Kill();
        await process.WaitForExitAsync();
        process.Dispose();
        return startAgain(changes);
    }

    /// <summary>Starts a process that exited (a crash) again with the same settings; this one is done with.</summary>
    public ServiceProcess StartAgain()
    {
        lock (gate)
        {
            if (replaced || !process.HasExited)
            {
                throw new InvalidOperationException($"{Name} is still running or was already started again.");
            }

            // Started before this one is let go, so that a failed start leaves this one to ask again.
            var next = startAgain(null);
            replaced = true;
            process.Dispose();
            return next;
        }
    }

    private static Dictionary<string, string> Changed(IReadOnlyDictionary<string, string> environment, IReadOnlyDictionary<string, string> changes)
    {
        var changed = new Dictionary<string, string>(environment);
        foreach (var (key, value) in changes)
        {
            changed[key] = value;
        }

        return changed;
    }

    /// <summary>Waits until <paramref name="path"/> answers 200, or fails with the end of the service's log.</summary>
    public async Task WaitUntilHealthyAsync(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {process.ExitCode} while starting. End of {LogFile}:\n{Tail()}");
            }

            try
            {
                using var response = await http.GetAsync(Url + path, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Slow answer while starting; ask again.
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"{Name} was not healthy at {Url}{path} within {timeout.TotalSeconds:0} s. End of {LogFile}:\n{Tail()}");
    }

    /// <summary>Waits for the process to end by itself (a service that refuses its settings stops at start); returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var wait = new CancellationTokenSource(timeout);
        return await WaitForExitAsync(wait.Token);
    }

    /// <summary>Completes with the exit code when the process exits.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode;
    }

    public string Tail(int lines = 15) =>
        File.Exists(LogFile) ? string.Join('\n', File.ReadLines(LogFile).TakeLast(lines)) : "(no log yet)";

    /// <summary>Sends SIGTERM so the service commits its work, then SIGKILL after the timeout.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (gate)
        {
            if (replaced)
            {
                return;
            }
        }

        if (!process.HasExited)
        {
            Signals.Terminate(process.Id);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(25));
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
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } self && Path.GetFileName(self) == "dotnet" ? self
        : "dotnet";
}
