using System.Text;

namespace Streaming.ClickHouse.Tests.Chdb;

/// <summary>
/// Current ClickHouse (chDB 26.7, the engine as a library) in this process, behind the HTTP interface that
/// <see cref="ClickHouseClient"/> speaks (<see cref="ChdbHttpHandler"/>). There is no current ClickHouse server to
/// install here; chDB runs the same SQL engine. When libchdb.so is missing or will not load, every test that uses this
/// fixture fails with what to do: they must not pass by not running.
/// </summary>
public sealed class ChdbFixture : ClickHouseEngineFixture
{
    private string folder = "";
    private ChdbSession? session;
    private ChdbHttpHandler? handler;

    protected override string Url => "http://chdb.invalid";

    protected override Task StartAsync()
    {
        folder = Path.Combine(Path.GetTempPath(), "streaming-chdb-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        // The server fixture's config sets the server's time zone to UTC; this is the same for the session (chDB would
        // otherwise take the machine's, and toDate and toStartOfHour in the rollups would cut days elsewhere).
        session = ChdbSession.Open(folder, "--session_timezone=UTC");
        handler = new ChdbHttpHandler(session);
        return Task.CompletedTask;
    }

    // The handler outlives each client: it is the one connection.
    protected override HttpClient NewHttpClient() => new(handler!, disposeHandler: false);

    protected override string Describe(string version) => $"chDB {ChdbSession.LibraryVersion} (ClickHouse {version})";

    /// <summary>Through the same HTTP stand-in, with no FORMAT added: the answer is TabSeparated, as clickhouse-client prints it.</summary>
    public override async Task<List<string>> RunAsWrittenAsync(ClickHouseClient client, string sql)
    {
        using var http = NewHttpClient();
        using var content = new StringContent(sql, Encoding.UTF8);
        using var response = await http.PostAsync(Url + "/?database=" + Uri.EscapeDataString(client.Database), content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"chDB failed on: {sql}\n{text}");
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    protected override Task StopAsync()
    {
        handler?.Dispose();
        session?.Dispose();
        if (folder.Length > 0 && Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        return Task.CompletedTask;
    }
}

/// <summary>One chDB engine for the run: chDB boots one per process, and closing its last connection shuts it down.</summary>
[CollectionDefinition(Name)]
public sealed class ChdbCollection : ICollectionFixture<ChdbFixture>
{
    public const string Name = "chdb";
}
