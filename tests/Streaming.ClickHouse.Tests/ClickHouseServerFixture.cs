using System.Diagnostics;
using System.Globalization;
using Streaming.LocalServers;

namespace Streaming.ClickHouse.Tests;

/// <summary>
/// A real ClickHouse server for the tests of this project: Debian's clickhouse-server (18.16) started for the run, or
/// the one CLICKHOUSE_URL names. A database of its own per test class or test.
/// </summary>
public sealed class ClickHouseServerFixture : ClickHouseEngineFixture
{
    private LocalClickHouseServer? server;

    /// <summary>The native port for clickhouse-client (null when CLICKHOUSE_URL points at another server).</summary>
    public int? TcpPort => server?.TcpPort;

    protected override string Url => server!.Url;

    protected override async Task StartAsync() => server = await LocalClickHouseServer.StartAsync();

    protected override HttpClient NewHttpClient() => new();

    protected override string Describe(string version) => $"ClickHouse {version} server";

    /// <summary>Through clickhouse-client, as docs/bi.md tells BI users to run its examples.</summary>
    public override async Task<List<string>> RunAsWrittenAsync(ClickHouseClient client, string sql)
    {
        var port = TcpPort ?? throw new InvalidOperationException(
            "These tests run clickhouse-client against the server the fixture starts; unset CLICKHOUSE_URL to run them.");
        var start = new ProcessStartInfo("clickhouse-client")
        {
            ArgumentList = { "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--database", client.Database, "--query", sql },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("clickhouse-client did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"clickhouse-client failed ({process.ExitCode}) on: {sql}\n{await stderr}");
        return [.. (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    protected override async Task StopAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}

/// <summary>All test classes share one server: starting clickhouse-server costs seconds on these machines.</summary>
[CollectionDefinition(Name)]
public sealed class ClickHouseCollection : ICollectionFixture<ClickHouseServerFixture>
{
    public const string Name = "clickhouse";
}
