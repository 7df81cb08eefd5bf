using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Streaming.LocalServers;
using Streaming.Push.Contracts;

namespace Streaming.DevHost.Fleet;

/// <summary>
/// The demo's push provider: an FCM-like endpoint in the dev host that records every push it gets, once per
/// Idempotency-Key (a repeated key is acknowledged and counted, not recorded again), one JSON line per push in
/// <c>logs/push-receiver.jsonl</c>. The delivery worker posts to it; the live summary shows its counts.
/// </summary>
public sealed class DemoPushReceiver : IAsyncDisposable
{
    public const string Path = "/push";
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, string> rules = new(StringComparer.Ordinal);
    private readonly StreamWriter log;
    private readonly Lock gate = new();
    private int duplicates;

    private DemoPushReceiver(WebApplication app, string logFile)
    {
        this.app = app;
        log = new StreamWriter(logFile, append: true) { AutoFlush = true };
    }

    public string Url => app.Urls.First() + Path;

    /// <summary>Distinct pushes received, per rule.</summary>
    public IReadOnlyDictionary<string, int> PerRule => rules.Values.GroupBy(r => r).ToDictionary(g => g.Key, g => g.Count());

    public int Received => rules.Count;

    public int Duplicates => Volatile.Read(ref duplicates);

    public static async Task<DemoPushReceiver> StartAsync(string logFile)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:" + LoopbackPorts.Free());
        // Pushes are small: anything bigger is not one.
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 16 * 1024);
        var receiver = new DemoPushReceiver(builder.Build(), logFile);
        receiver.app.MapPost(Path, (HttpRequest request) => receiver.ReceiveAsync(request));
        await receiver.app.StartAsync();
        return receiver;
    }

    private async Task<IResult> ReceiveAsync(HttpRequest request)
    {
        var key = request.Headers["Idempotency-Key"].ToString();
        PushCommand? push;
        try
        {
            push = await JsonSerializer.DeserializeAsync(request.Body, PushJsonContext.Default.PushCommand);
        }
        catch (JsonException)
        {
            return Results.BadRequest();
        }

        if (key.Length == 0 || push is null || push.PushId != key)
        {
            return Results.BadRequest();
        }

        if (!rules.TryAdd(key, push.Rule))
        {
            Interlocked.Increment(ref duplicates);
            return Results.Ok();
        }

        lock (gate)
        {
            log.WriteLine(JsonSerializer.Serialize(push, PushJsonContext.Default.PushCommand));
        }

        return Results.Ok();
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        await log.DisposeAsync();
    }
}
