using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Streaming.IntegrationTests;

/// <summary>
/// Stands in for an OpenTelemetry collector on loopback: accepts OTLP over HTTP (protobuf) for traces, metrics and
/// logs, answers 200 and counts the requests per signal, so that the fleet runs with tracing on as in production.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, int> requests = new(StringComparer.Ordinal);

    private OtlpReceiver(WebApplication app) => this.app = app;

    public string Url => app.Urls.First();

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            await request.Body.CopyToAsync(Stream.Null);
            receiver.requests.AddOrUpdate(signal, 1, (_, n) => n + 1);
            return Results.Bytes([], "application/x-protobuf");
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Export requests received for "traces", "metrics" or "logs".</summary>
    public int Requests(string signal) => requests.TryGetValue(signal, out var n) ? n : 0;

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
