using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Streaming.LocalServers;
using Streaming.Push.Contracts;

namespace Streaming.PushTrigger.Tests;

/// <summary>
/// An FCM-like push endpoint in process: records each push by its Idempotency-Key (a repeated key is acknowledged and
/// counted as a duplicate, not delivered twice). It refuses some first attempts to exercise the worker's retries:
/// 429 with Retry-After: 1 for keys whose hash is divisible by 5, 503 for those divisible by 7.
/// </summary>
public sealed class PushReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, PushCommand> delivered = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> attempts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> receivedAt = new(StringComparer.Ordinal);
    private int duplicates;

    private PushReceiver(WebApplication app) => this.app = app;

    public string Url => app.Urls.First() + "/push";

    public IReadOnlyDictionary<string, PushCommand> Delivered => delivered;

    /// <summary>When each push was first accepted.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> ReceivedAt => receivedAt;

    public int Duplicates => Volatile.Read(ref duplicates);

    public int Refused { get; private set; }

    public static async Task<PushReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:" + LoopbackPorts.Free());
        var receiver = new PushReceiver(builder.Build());
        receiver.app.MapPost("/push", (HttpRequest request, HttpResponse response) => receiver.ReceiveAsync(request, response));
        await receiver.app.StartAsync();
        return receiver;
    }

    private async Task<IResult> ReceiveAsync(HttpRequest request, HttpResponse response)
    {
        var key = request.Headers["Idempotency-Key"].ToString();
        var push = await JsonSerializer.DeserializeAsync(request.Body, PushJsonContext.Default.PushCommand);
        if (key.Length == 0 || push is null || push.PushId != key)
        {
            return Results.BadRequest();
        }

        var attempt = attempts.AddOrUpdate(key, 1, (_, n) => n + 1);
        if (attempt == 1 && !delivered.ContainsKey(key) && (Stable(key) % 5 == 0 || Stable(key) % 7 == 0))
        {
            Refused++;
            if (Stable(key) % 5 == 0)
            {
                response.Headers.RetryAfter = "1";
                return Results.StatusCode(StatusCodes.Status429TooManyRequests);
            }

            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }

        if (delivered.TryAdd(key, push))
        {
            receivedAt[key] = DateTimeOffset.UtcNow;
        }
        else
        {
            Interlocked.Increment(ref duplicates);
        }

        return Results.Ok();
    }

    /// <summary>The same number for a key in every process (string hashes are randomised per process).</summary>
    private static int Stable(string key) => Convert.ToInt32(key[..6], 16);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
