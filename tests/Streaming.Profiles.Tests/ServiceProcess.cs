using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Streaming.LocalServers;
using Streaming.Profiles.Status;
using Streaming.ServiceDefaults;

namespace Streaming.Profiles.Tests;

/// <summary>
/// A built service (artifacts/bin/Streaming.Profiles, Streaming.Gateway) as its own OS process, output to a log file:
/// killed with SIGKILL like a crash, stopped with SIGTERM. Same start as the dev host's, without the rest of the fleet.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    public const string Silo = "Streaming.Profiles";
    public const string Gateway = "Streaming.Gateway";

    private readonly Process process;

    private ServiceProcess(Process process, string url, string logFile)
    {
        this.process = process;
        Url = url;
        LogFile = logFile;
    }

    public string Url { get; }

    public string LogFile { get; }

    public static ServiceProcess Start(string service, int httpPort, string logFile, IReadOnlyDictionary<string, string> environment)
    {
        // This assembly sits in artifacts/bin/Streaming.Profiles.Tests/<configuration>/; the services beside it.
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var dll = Path.Combine(here.Parent!.Parent!.FullName, service, here.Name, service + ".dll");
        Assert.True(File.Exists(dll), dll + " is missing: build the solution first.");
        var url = "http://127.0.0.1:" + httpPort.ToString(CultureInfo.InvariantCulture);
        var start = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", "exec \"$0\" exec \"$1\" >>\"$2\" 2>&1 </dev/null", Environment.ProcessPath ?? "dotnet", dll, logFile },
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.Environment["ASPNETCORE_URLS"] = url;
        start.Environment[ServiceDefaultsExtensions.ParentPidVariable] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return new ServiceProcess(Process.Start(start) ?? throw new InvalidOperationException(service + " did not start."), url, logFile);
    }

    /// <summary>A silo's status, or null while it does not answer.</summary>
    public async Task<StatusReport?> StatusAsync(HttpClient http)
    {
        try
        {
            await using var body = await http.GetStreamAsync(Url + StatusEndpoint.Path);
            return await JsonSerializer.DeserializeAsync(body, StatusJsonContext.Default.StatusReport);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    public async Task KillAsync()
    {
        process.Kill();
        await process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
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
