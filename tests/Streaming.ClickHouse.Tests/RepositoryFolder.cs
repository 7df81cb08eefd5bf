namespace Streaming.ClickHouse.Tests;

/// <summary>The repository the tests were built from: the first folder above the test binaries that holds Streaming.sln.</summary>
internal static class RepositoryFolder
{
    public static string? Find()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(System.IO.Path.Combine(folder.FullName, "Streaming.sln")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName;
    }

    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([Find() ?? throw new InvalidOperationException($"Streaming.sln was not found above {AppContext.BaseDirectory}."), .. parts]);
}
