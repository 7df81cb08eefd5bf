namespace Streaming.Gateway.Widgets;

/// <summary>Serves /widgets/just-booked.js (embedded), cacheable for a few minutes.</summary>
public static class WidgetScript
{
    private static readonly Lazy<byte[]> Script = new(() =>
    {
        using var stream = typeof(WidgetScript).Assembly.GetManifestResourceStream("just-booked.js")
            ?? throw new InvalidOperationException("just-booked.js is not embedded.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static IResult Serve(HttpContext http)
    {
        http.Response.Headers.CacheControl = "public, max-age=300";
        return Results.Bytes(Script.Value, "text/javascript; charset=utf-8");
    }
}
