using System.Text.Json;

namespace Streaming.ClickHouse.Tests.Chdb;

/// <summary>The "on chDB" tests run on the ClickHouse the project pins, not on whatever libchdb.so was found.</summary>
[Collection(ChdbCollection.Name)]
public sealed class ChdbEngineTests(ChdbFixture engine)
{
    [Fact]
    public async Task The_engine_is_the_chdb_release_tools_chdb_pins()
    {
        using var package = JsonDocument.Parse(await File.ReadAllTextAsync(RepositoryFolder.Path("tools", "chdb", "package.json")));
        var pinned = package.RootElement.GetProperty("dependencies").GetProperty(ChdbNative.PackageName).GetString()!; // e.g. 26.7.3-stable.1
        Assert.Equal(pinned.Split('-')[0], ChdbSession.LibraryVersion);
        // The embedded ClickHouse reports its own version, of the same year.month.
        var clickHouse = await engine.Client.ScalarAsync("SELECT version()");
        Assert.StartsWith(string.Join('.', pinned.Split('.')[..2]) + ".", clickHouse, StringComparison.Ordinal);
        Assert.StartsWith("chDB " + ChdbSession.LibraryVersion, engine.Description, StringComparison.Ordinal);
    }
}
