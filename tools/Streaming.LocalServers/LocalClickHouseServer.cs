using System.Diagnostics;
using System.Security;

namespace Streaming.LocalServers;

/// <summary>
/// Debian's clickhouse-server as a child process with a generated config: its own data folder, loopback only,
/// free ports. When CLICKHOUSE_URL is set, that server is used instead and nothing is started.
/// </summary>
public sealed class LocalClickHouseServer : IAsyncDisposable
{
    public const string UrlVariable = "CLICKHOUSE_URL";
    private static readonly string[] ServerBinaries = ["/usr/bin/clickhouse-server", "/usr/sbin/clickhouse-server"];
    private Process? process;
    private readonly string? folder;
    private readonly bool deleteFolder;
    private bool suspended;

    private LocalClickHouseServer(string url, int? tcpPort, Process? process, string? folder, bool deleteFolder)
    {
        Url = url;
        TcpPort = tcpPort;
        this.process = process;
        this.folder = folder;
        this.deleteFolder = deleteFolder;
    }

    /// <summary>The HTTP interface, e.g. http://127.0.0.1:18123.</summary>
    public string Url { get; }

    /// <summary>The native port for clickhouse-client, when this process started the server.</summary>
    public int? TcpPort { get; }

    /// <summary>
    /// Starts a server under <paramref name="folder"/> (kept, for the demo) or a temporary folder (deleted on dispose).
    /// Ports of 0 mean "pick free ones".
    /// </summary>
    public static async Task<LocalClickHouseServer> StartAsync(
        string? folder = null, int httpPort = 0, int tcpPort = 0, TimeSpan? startTimeout = null, CancellationToken cancellationToken = default)
    {
        var configured = Environment.GetEnvironmentVariable(UrlVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new LocalClickHouseServer(configured.TrimEnd('/'), null, null, null, false);
        }

        var serverBinary = ServerBinaries.FirstOrDefault(File.Exists);
        if (serverBinary is null)
        {
            throw new InvalidOperationException(
                "clickhouse-server is not installed. Install it with 'apt-get install -y clickhouse-server clickhouse-client' " +
                $"(./run does this for you), or set {UrlVariable} to use another server.");
        }

        var deleteFolder = folder is null;
        folder = Path.GetFullPath(folder ?? Path.Combine(Path.GetTempPath(), "streaming-clickhouse-" + Guid.NewGuid().ToString("N")[..12]));
        Directory.CreateDirectory(folder);
        ChildServerProcess.StopStale(folder, "clickhouse");
        httpPort = LoopbackPorts.FreeOr(httpPort, "ClickHouse HTTP");
        tcpPort = LoopbackPorts.FreeOr(tcpPort, "ClickHouse native");
        var interserverPort = LoopbackPorts.Free();
        var configPath = WriteConfig(folder, httpPort, tcpPort, interserverPort);
        var process = await LaunchAsync(serverBinary, configPath, folder, cancellationToken);
        var server = new LocalClickHouseServer($"http://127.0.0.1:{httpPort}", tcpPort, process, folder, deleteFolder);
        await server.WaitUntilReadyAsync(startTimeout ?? TimeSpan.FromSeconds(60), cancellationToken);
        return server;
    }

    private static async Task<Process> LaunchAsync(string serverBinary, string configPath, string folder, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(serverBinary)
        {
            ArgumentList = { "--config-file=" + configPath },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("clickhouse-server did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        ChildServerProcess.WritePid(folder, process);
        return process;
    }

    /// <summary>
    /// Kills the server as a crash would (SIGKILL), keeps it down for <paramref name="downtime"/>, then starts it
    /// again on the same folder and ports. For outage tests; not possible for a server named by CLICKHOUSE_URL.
    /// </summary>
    public async Task CrashAndRestartAsync(TimeSpan downtime, CancellationToken cancellationToken = default)
    {
        await KillAsync(cancellationToken);
        await Task.Delay(downtime, cancellationToken);
        await RestartAsync(cancellationToken);
    }

    /// <summary>Kills the server as a crash would (SIGKILL) and waits for it to exit; <see cref="RestartAsync"/> brings it back.</summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        var killed = ChildServerProcess.StartedHere(process, Url, UrlVariable);
        killed.Kill(entireProcessTree: true);
        await killed.WaitForExitAsync(cancellationToken);
    }

    /// <summary>
    /// Freezes the server (SIGSTOP): connections are still accepted by the kernel, nothing answers. A hung server for
    /// timeout tests; <see cref="Resume"/> wakes it (dispose does too).
    /// </summary>
    public void Suspend()
    {
        Signals.Suspend(ChildServerProcess.StartedHere(process, Url, UrlVariable).Id);
        suspended = true;
    }

    public void Resume()
    {
        Signals.Resume(ChildServerProcess.StartedHere(process, Url, UrlVariable).Id);
        suspended = false;
    }

    /// <summary>True when this process started the server, so it can watch and restart it (not with CLICKHOUSE_URL).</summary>
    public bool IsChildProcess => process is not null;

    /// <summary>The server's OS process id when this process started it (for faults injected from outside).</summary>
    public int? ProcessId => process?.Id;

    /// <summary>The server's error log.</summary>
    public string? LogFile => folder is null ? null : Path.Combine(folder, "log", "error.log");

    /// <summary>Completes with the exit code when the server process exits (killed, or crashed).</summary>
    public Task<int> WaitForExitAsync(CancellationToken cancellationToken) =>
        ChildServerProcess.ExitCodeAsync(ChildServerProcess.StartedHere(process, Url, UrlVariable), cancellationToken);

    /// <summary>Starts a server that exited again on the same folder and ports; returns once it answers.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        var exited = ChildServerProcess.Exited(process, Url, UrlVariable);

        var serverBinary = ServerBinaries.First(File.Exists);
        process = await LaunchAsync(serverBinary, Path.Combine(folder!, "config.xml"), folder!, cancellationToken);
        exited.Dispose();
        await WaitUntilReadyAsync(TimeSpan.FromSeconds(60), cancellationToken);
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (process is { HasExited: true })
            {
                var log = Path.Combine(folder!, "log", "error.log");
                var tail = File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(5)) : "(no log)";
                throw new InvalidOperationException($"clickhouse-server exited with code {process.ExitCode}. Last errors:\n{tail}");
            }

            try
            {
                if ((await http.GetStringAsync(Url + "/?query=SELECT%201", cancellationToken)).Trim() == "1")
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
                // One slow answer; try again.
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"clickhouse-server did not answer SELECT 1 at {Url} within {timeout.TotalSeconds:0} s.");
    }

    public async ValueTask DisposeAsync()
    {
        if (process is not null)
        {
            if (suspended && !process.HasExited)
            {
                // A stopped process would not see the SIGTERM of the graceful stop.
                Resume();
            }

            await ChildServerProcess.StopAsync(process, folder!, TimeSpan.FromSeconds(15));
        }

        if (deleteFolder && folder is not null && Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string WriteConfig(string folder, int httpPort, int tcpPort, int interserverPort)
    {
        foreach (var sub in new[] { "data", "tmp", "log", "user_files", "format_schemas" })
        {
            Directory.CreateDirectory(Path.Combine(folder, sub));
        }

        string P(string sub) => SecurityElement.Escape(Path.Combine(folder, sub)) + "/";
        var config = $"""
            <?xml version="1.0"?>
            <yandex>
              <logger>
                <level>warning</level>
                <log>{P("log")}server.log</log>
                <errorlog>{P("log")}error.log</errorlog>
                <size>50M</size>
                <count>2</count>
              </logger>
              <http_port>{httpPort}</http_port>
              <tcp_port>{tcpPort}</tcp_port>
              <interserver_http_port>{interserverPort}</interserver_http_port>
              <listen_host>127.0.0.1</listen_host>
              <path>{P("data")}</path>
              <tmp_path>{P("tmp")}</tmp_path>
              <user_files_path>{P("user_files")}</user_files_path>
              <format_schema_path>{P("format_schemas")}</format_schema_path>
              <mark_cache_size>268435456</mark_cache_size>
              <max_concurrent_queries>100</max_concurrent_queries>
              <users_config>users.xml</users_config>
              <default_profile>default</default_profile>
              <default_database>default</default_database>
              <timezone>UTC</timezone>
            </yandex>
            """;
        const string users = """
            <?xml version="1.0"?>
            <yandex>
              <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
              <users>
                <default>
                  <password></password>
                  <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
                  <profile>default</profile>
                  <quota>default</quota>
                </default>
              </users>
              <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
            </yandex>
            """;
        var path = Path.Combine(folder, "config.xml");
        File.WriteAllText(path, config);
        File.WriteAllText(Path.Combine(folder, "users.xml"), users);
        return path;
    }
}
