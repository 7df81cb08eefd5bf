namespace Streaming.Gateway.Widgets;

/// <summary>
/// Ends a stream after <see cref="WidgetOptions.MaxStreamLifetime"/> (less up to a tenth, so that streams opened together
/// do not all reconnect together) or when the client goes away, whichever comes first. The client's EventSource then
/// reconnects after the stream's <c>retry:</c> with Last-Event-ID, and the stream resumes after that event.
/// </summary>
public sealed class StreamLifetime : IDisposable
{
    private readonly CancellationTokenSource expiry;
    private readonly CancellationTokenSource linked;

    public StreamLifetime(TimeSpan maxLifetime, TimeProvider time, CancellationToken aborted)
    {
        var jitter = maxLifetime * (Random.Shared.NextDouble() / 10);
        expiry = new CancellationTokenSource(maxLifetime - jitter, time);
        linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, expiry.Token);
    }

    /// <summary>Cancelled when the stream is to end.</summary>
    public CancellationToken Token => linked.Token;

    public void Dispose()
    {
        linked.Dispose();
        expiry.Dispose();
    }
}
