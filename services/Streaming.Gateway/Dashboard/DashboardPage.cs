namespace Streaming.Gateway.Dashboard;

/// <summary>A single self-contained page that polls the public metrics endpoints.</summary>
public static class DashboardPage
{
    private static readonly Lazy<byte[]> Html = new(() =>
    {
        using var stream = typeof(DashboardPage).Assembly.GetManifestResourceStream("dashboard.html")
            ?? throw new InvalidOperationException("dashboard.html is not embedded.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static IResult Serve() => Results.Bytes(Html.Value, "text/html; charset=utf-8");
}
