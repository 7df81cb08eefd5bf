using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Streaming.LocalServers;

/// <summary>
/// Debian's redis-server as a child process: loopback only, its own folder (append-only file, so a restart keeps
/// grain state), a free port. When REDIS_URL is set ("host:port"), that server is used instead and nothing is started.
/// </summary>
public sealed class LocalRedisServer : IAsyncDisposable
{
    public const string UrlVariable = "REDIS_URL";
    private static readonly string[] ServerBinaries = ["/usr/bin/redis-server", "/usr/sbin/redis-server"];
    private Process? process;
    private readonly string? folder;
    private readonly bool deleteFolder;

    private LocalRedisServer(string connectionString, int port, Process? process, string? folder, bool deleteFolder)
    {
        ConnectionString = connectionString;
        Port = port;
        this.process = process;
        this.folder = folder;
        this.deleteFolder = deleteFolder;
    }

    /// <summary>A StackExchange.Redis connection string, e.g. "127.0.0.1:16379".</summary>
    public string ConnectionString { get; }

    public int Port { get; }

    /// <summary>
    /// Starts a server under <paramref name="folder"/> (kept, for the demo) or a temporary folder (deleted on dispose).
    /// A port of 0 means "pick a free one".
    /// </summary>
    public static async Task<LocalRedisServer> StartAsync(
        string? folder = null, int port = 0, TimeSpan? startTimeout = null, CancellationToken cancellationToken = default)
    {
        var configured = Environment.GetEnvironmentVariable(UrlVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var configuredPort = int.TryParse(configured.Split(':').LastOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 6379;
            return new LocalRedisServer(configured, configuredPort, null, null, false);
        }

        var serverBinary = ServerBinaries.FirstOrDefault(File.Exists) ?? throw new InvalidOperationException(
            "redis-server is not installed. Install it with 'apt-get install -y redis-server' (./run does this for you), " +
            $"or set {UrlVariable} to use another server.");
        var deleteFolder = folder is null;
        folder = Path.GetFullPath(folder ?? Path.Combine(Path.GetTempPath(), "streaming-redis-" + Guid.NewGuid().ToString("N")[..12]));
        Directory.CreateDirectory(folder);
        ChildServerProcess.StopStale(folder, "redis");
        port = LoopbackPorts.FreeOr(port, "Redis");
        var server = new LocalRedisServer($"127.0.0.1:{port}", port, null, folder, deleteFolder);
        server.process = await server.LaunchAsync(serverBinary, cancellationToken);
        await server.WaitUntilReadyAsync(startTimeout ?? TimeSpan.FromSeconds(30), cancellationToken);
        return server;
    }

    private async Task<Process> LaunchAsync(string serverBinary, CancellationToken cancellationToken)
    {
        // Arguments instead of a config file: loopback only, no protected-mode surprises, every write on disk before its reply, since offsets are committed once grain state is written.
        var start = new ProcessStartInfo(serverBinary)
        {
            ArgumentList =
            {
                "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", folder!,
                "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no",
                "--logfile", Path.Combine(folder!, "redis.log"), "--loglevel", "warning",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        var started = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        started.OutputDataReceived += (_, _) => { };
        started.ErrorDataReceived += (_, _) => { };
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        ChildServerProcess.WritePid(folder!, started);
        return started;
    }

    /// <summary>Kills the server (SIGKILL), keeps it down for <paramref name="downtime"/>, then starts it again on the same folder and port.</summary>
    public async Task CrashAndRestartAsync(TimeSpan downtime, CancellationToken cancellationToken = default)
    {
        var crashed = ChildServerProcess.StartedHere(process, ConnectionString, UrlVariable);
        crashed.Kill(entireProcessTree: true);
        await crashed.WaitForExitAsync(cancellationToken);
        await Task.Delay(downtime, cancellationToken);
        await RestartAsync(cancellationToken);
    }

    /// <summary>True when this process started the server, so it can watch and restart it (not with REDIS_URL).</summary>
    public bool IsChildProcess => process is not null;

    /// <summary>The server's OS process id when this process started it (for tests that kill it from outside).</summary>
    public int? ProcessId => process?.Id;

    /// <summary>The server's log.</summary>
    public string? LogFile => folder is null ? null : Path.Combine(folder, "redis.log");

    /// <summary>Completes with the exit code when the server process exits (killed, or crashed).</summary>
    public Task<int> WaitForExitAsync(CancellationToken cancellationToken) =>
        ChildServerProcess.ExitCodeAsync(ChildServerProcess.StartedHere(process, ConnectionString, UrlVariable), cancellationToken);

    /// <summary>Starts a server that exited again on the same folder (its append-only file) and port; returns once it answers PING.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        var exited = ChildServerProcess.Exited(process, ConnectionString, UrlVariable);

        process = await LaunchAsync(ServerBinaries.First(File.Exists), cancellationToken);
        exited.Dispose();
        await WaitUntilReadyAsync(TimeSpan.FromSeconds(30), cancellationToken);
    }

    /// <summary>True when the server answers PING with PONG (inline command, no client library needed).</summary>
    public async Task<bool> PingAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await client.ConnectAsync("127.0.0.1", Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (process is { HasExited: true })
            {
                var log = Path.Combine(folder!, "redis.log");
                var tail = File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(5)) : "(no log)";
                throw new InvalidOperationException($"redis-server exited with code {process.ExitCode}. Last lines:\n{tail}");
            }

            if (await PingAsync(cancellationToken))
            {
                return;
            }

            await Task.Delay(50, cancellationToken);
        }

        throw new TimeoutException($"redis-server did not answer PING at {ConnectionString} within {timeout.TotalSeconds:0} s.");
    }

    public async ValueTask DisposeAsync()
    {
        if (process is not null)
        {
            await ChildServerProcess.StopAsync(process, folder!, TimeSpan.FromSeconds(10));
        }

        if (deleteFolder && folder is not null && Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
