using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Streaming.LocalServers;
using Streaming.Push.Contracts;

namespace Streaming.Benchmarks.Push;

/// <summary>
/// The push provider of the latency benchmark: an FCM-like endpoint in the benchmark process that notes when each
/// request arrived (before its body is read), once per Idempotency-Key, and answers 200.
/// </summary>
internal sealed class TimingPushReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, (PushCommand Push, DateTimeOffset Arrived)> pushes = new(StringComparer.Ordinal);
    private int duplicates;

    private TimingPushReceiver(WebApplication app) => this.app = app;

    public string Url => app.Urls.First() + "/push";

    public int Duplicates => Volatile.Read(ref duplicates);

    public IReadOnlyCollection<(PushCommand Push, DateTimeOffset Arrived)> Received => [.. pushes.Values];

    public static async Task<TimingPushReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:" + LoopbackPorts.Free());
        var receiver = new TimingPushReceiver(builder.Build());
        receiver.app.MapPost("/push", (HttpRequest request) => receiver.ReceiveAsync(request));
        await receiver.app.StartAsync();
        return receiver;
    }

    private async Task<IResult> ReceiveAsync(HttpRequest request)
    {
        var arrived = DateTimeOffset.UtcNow;
        var push = await JsonSerializer.DeserializeAsync(request.Body, PushJsonContext.Default.PushCommand);
        if (push is null || push.PushId != request.Headers["Idempotency-Key"].ToString())
        {
            return Results.BadRequest();
        }

        if (!pushes.TryAdd(push.PushId, (push, arrived)))
        {
            Interlocked.Increment(ref duplicates);
        }

        return Results.Ok();
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
