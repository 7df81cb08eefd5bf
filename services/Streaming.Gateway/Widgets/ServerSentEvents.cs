using System.Globalization;
using System.Text;

namespace Streaming.Gateway.Widgets;

/// <summary>Writes text/event-stream by hand: events with id and name, and comment lines for keep-alive.</summary>
public static class ServerSentEvents
{
    private static readonly byte[] KeepAliveLine = Encoding.UTF8.GetBytes(": keep-alive\n\n");

    /// <summary>How long an EventSource waits before it reconnects when a stream ends (its lifetime, a restart).</summary>
    public static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(2);

    private static readonly byte[] RetryLine = Encoding.UTF8.GetBytes(
        string.Create(CultureInfo.InvariantCulture, $"retry: {(long)ReconnectDelay.TotalMilliseconds}\n\n"));

    /// <summary>The headers, and the reconnect delay for the client's EventSource.</summary>
    public static async Task StartAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        // Tells nginx-like proxies not to buffer the stream.
        response.Headers["X-Accel-Buffering"] = "no";
        await response.Body.WriteAsync(RetryLine, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    /// <summary>One event; <paramref name="json"/> is a single line (System.Text.Json writes no newlines unindented).</summary>
    public static async Task WriteEventAsync(HttpResponse response, string name, long? id, byte[] json, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        if (id is { } value)
        {
            head.Append("id: ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        head.Append("event: ").Append(name).Append("\ndata: ");
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(head.ToString()), cancellationToken);
        await response.Body.WriteAsync(json, cancellationToken);
        await response.Body.WriteAsync("\n\n"u8.ToArray(), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    public static async Task WriteKeepAliveAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(KeepAliveLine, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    /// <summary>The Last-Event-ID header (or the lastEventId query parameter, for clients that cannot set headers) as a version.</summary>
    public static long? LastEventId(HttpRequest request)
    {
        var text = request.Headers["Last-Event-ID"].FirstOrDefault() ?? request.Query["last_event_id"].FirstOrDefault();
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : null;
    }
}
