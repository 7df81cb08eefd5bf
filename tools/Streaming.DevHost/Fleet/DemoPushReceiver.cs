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
/// `./run chaos` makes it misbehave for a while (<see cref="Misbehave"/>): 429, 503, or no answer in time.
/// </summary>
public sealed class DemoPushReceiver : IAsyncDisposable
{
    public const string Path = "/push";
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, PushCommand> pushes = new(StringComparer.Ordinal);
    private readonly StreamWriter log;
    private readonly Lock gate = new();
    private int duplicates;
    private int refused;
    private volatile PushReceiverFault fault;

    private DemoPushReceiver(WebApplication app, string logFile)
    {
        this.app = app;
        log = new StreamWriter(logFile, append: true) { AutoFlush = true };
    }

    public string Url => app.Urls.First() + Path;

    /// <summary>Distinct pushes received, per rule.</summary>
    public IReadOnlyDictionary<string, int> PerRule => pushes.Values.GroupBy(p => p.Rule).ToDictionary(g => g.Key, g => g.Count());

    public int Received => pushes.Count;

    /// <summary>Every distinct push received, by Idempotency-Key.</summary>
    public IReadOnlyDictionary<string, PushCommand> Pushes => pushes;

    public int Duplicates => Volatile.Read(ref duplicates);

    /// <summary>Requests answered with an error (or late) while misbehaving.</summary>
    public int Refused => Volatile.Read(ref refused);

    /// <summary>How long a push waits for its answer under <see cref="PushReceiverFault.Timeout"/>: longer than the delivery worker waits.</summary>
    public static readonly TimeSpan SlowAnswer = TimeSpan.FromSeconds(15);

    /// <summary>From now on answers as <paramref name="misbehaviour"/> says (<see cref="PushReceiverFault.None"/>: normally again).</summary>
    public void Misbehave(PushReceiverFault misbehaviour) => fault = misbehaviour;

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

        switch (fault)
        {
            case PushReceiverFault.TooManyRequests:
                Interlocked.Increment(ref refused);
                request.HttpContext.Response.Headers.RetryAfter = "2";
                return Results.StatusCode(StatusCodes.Status429TooManyRequests);
            case PushReceiverFault.Unavailable:
                Interlocked.Increment(ref refused);
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            case PushReceiverFault.Timeout:
                // Taken (a provider that sends it and answers too late): the retry with the same key must not send it again.
                Interlocked.Increment(ref refused);
                var result = Record(key, push);
                try
                {
                    await Task.Delay(SlowAnswer, request.HttpContext.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    // The worker gave up waiting.
                }

                return result;
            default:
                return Record(key, push);
        }
    }

    private IResult Record(string key, PushCommand push)
    {
        if (!pushes.TryAdd(key, push))
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

/// <summary>How the demo push receiver answers: normally, or as a provider in trouble does.</summary>
public enum PushReceiverFault
{
    None,

    /// <summary>429 with Retry-After: 2.</summary>
    TooManyRequests,

    /// <summary>503.</summary>
    Unavailable,

    /// <summary>Takes the push but answers only after <see cref="DemoPushReceiver.SlowAnswer"/>.</summary>
    Timeout,
}
