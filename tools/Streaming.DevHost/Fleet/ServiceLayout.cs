namespace Streaming.DevHost.Fleet;

/// <summary>Where the built services are: artifacts/bin/&lt;Project&gt;/&lt;configuration&gt;/&lt;Project&gt;.dll.</summary>
public static class ServiceLayout
{
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Streaming.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Streaming.sln not found above " + AppContext.BaseDirectory);
    }

    public static string ServiceDll(string project)
    {
        // This assembly sits in artifacts/bin/<its project>/<configuration>/; services sit beside it.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Name;
        return Path.Combine(RepositoryRoot(), "artifacts", "bin", project, configuration, project + ".dll");
    }
}
