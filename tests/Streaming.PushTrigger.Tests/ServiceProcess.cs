using System.Diagnostics;
using System.Globalization;
using Streaming.LocalServers;
using Streaming.ServiceDefaults;

namespace Streaming.PushTrigger.Tests;

/// <summary>
/// A built service (artifacts/bin/{name}) as its own OS process, output appended to a log file: killed with SIGKILL
/// like a crash and started again with the same settings, stopped with SIGTERM at the end.
/// </summary>
public sealed class ServiceProcess(string name, string logFolder, IReadOnlyDictionary<string, string> environment) : IAsyncDisposable
{
    private readonly int httpPort = LoopbackPorts.Free();
    private Process? process;
    private int starts;

    public string Url => "http://127.0.0.1:" + httpPort.ToString(CultureInfo.InvariantCulture);

    public int Starts => starts;

    public void Start()
    {
        // This assembly sits in artifacts/bin/Streaming.PushTrigger.Tests/<configuration>/; the service beside it.
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var dll = Path.Combine(here.Parent!.Parent!.FullName, name, here.Name, name + ".dll");
        Assert.True(File.Exists(dll), dll + " is missing: build the solution first.");
        var log = Path.Combine(logFolder, $"{name}-{++starts}.log");
        var start = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", "exec \"$0\" exec \"$1\" >>\"$2\" 2>&1 </dev/null", Environment.ProcessPath ?? "dotnet", dll, log },
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.Environment["ASPNETCORE_URLS"] = Url;
        start.Environment[ServiceDefaultsExtensions.ParentPidVariable] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        process = Process.Start(start) ?? throw new InvalidOperationException(name + " did not start.");
    }

    public async Task WaitHealthyAsync(HttpClient http, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if ((await http.GetAsync(Url + "/healthz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            Assert.False(process!.HasExited, $"{name} exited with {(process.HasExited ? process.ExitCode : 0)}; see its log in {logFolder}.");
            Assert.True(clock.Elapsed < timeout, $"{name} not healthy within {timeout.TotalSeconds:0} s; see its log in {logFolder}.");
            await Task.Delay(200);
        }
    }

    /// <summary>Waits for the process to end by itself; returns its exit code and log.</summary>
    public async Task<(int ExitCode, string Log)> WaitForExitAsync(TimeSpan timeout)
    {
        using var wait = new CancellationTokenSource(timeout);
        await process!.WaitForExitAsync(wait.Token);
        return (process.ExitCode, await File.ReadAllTextAsync(Path.Combine(logFolder, $"{name}-{starts}.log")));
    }

    /// <summary>SIGKILL, as a crash: nothing is flushed, committed or closed.</summary>
    public async Task KillAndRestartAsync()
    {
        process!.Kill();
        await process.WaitForExitAsync();
        process.Dispose();
        Start();
    }

    public async ValueTask DisposeAsync()
    {
        if (process is null)
        {
            return;
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
}
