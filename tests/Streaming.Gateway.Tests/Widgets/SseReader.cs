using System.Text.Json;
using System.Threading.Channels;

namespace Streaming.Gateway.Tests.Widgets;

/// <summary>One item of a text/event-stream: an event (name, id, data) or a comment line.</summary>
public sealed record SseItem(string? Event, string? Id, string? Data, string? Comment)
{
    public JsonElement Json => JsonDocument.Parse(Data ?? "null").RootElement;

    public long Version => long.Parse(Id ?? throw new InvalidOperationException("The event has no id."), System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Reads an SSE response in the background; tests take its items with a timeout.</summary>
public sealed class SseReader : IAsyncDisposable
{
    private readonly Channel<SseItem> items = Channel.CreateUnbounded<SseItem>();
    private readonly HttpResponseMessage response;
    private readonly CancellationTokenSource stop = new();
    private readonly Task reading;
    private readonly TaskCompletionSource ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SseReader(HttpResponseMessage response)
    {
        this.response = response;
        reading = Task.Run(ReadAsync);
    }

    public HttpResponseMessage Response => response;

    public static async Task<SseReader> OpenAsync(HttpClient http, string url, string? lastEventId = null, string? clientAddress = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        if (clientAddress is not null)
        {
            request.Headers.Add(ClientAddressFromTestHeader.Header, clientAddress);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return new SseReader(response);
    }

    /// <summary>The next item; <see cref="TimeoutException"/> after <paramref name="timeout"/> (the item, if any, stays queued).</summary>
    public async Task<SseItem> NextAsync(TimeSpan? timeout = null)
    {
        using var expiry = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            return await items.Reader.ReadAsync(expiry.Token);
        }
        catch (OperationCanceledException) when (expiry.IsCancellationRequested)
        {
            throw new TimeoutException("No server-sent event arrived in time.");
        }
    }

    /// <summary>The next event, skipping keep-alive comments.</summary>
    public async Task<SseItem> NextEventAsync(TimeSpan? timeout = null)
    {
        while (true)
        {
            var item = await NextAsync(timeout);
            if (item.Comment is null)
            {
                return item;
            }
        }
    }

    public bool TryTake(out SseItem? item) => items.Reader.TryRead(out item);

    /// <summary>Completes when the server ends the stream (or the test closes it), whatever is still unread.</summary>
    public Task Ended => ended.Task;

    /// <summary>The reconnect delay the stream asked for (its retry: field), once read.</summary>
    public string? Retry { get; private set; }

    private async Task ReadAsync()
    {
        try
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop.Token));
            string? name = null, id = null, data = null;
            while (await reader.ReadLineAsync(stop.Token) is { } line)
            {
                if (line.Length == 0)
                {
                    if (data is not null)
                    {
                        items.Writer.TryWrite(new SseItem(name, id, data, null));
                    }

                    name = id = data = null;
                }
                else if (line.StartsWith(':'))
                {
                    items.Writer.TryWrite(new SseItem(null, null, null, line[1..].Trim()));
                }
                else if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    name = line["event: ".Length..];
                }
                else if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    id = line["id: ".Length..];
                }
                else if (line.StartsWith("retry: ", StringComparison.Ordinal))
                {
                    Retry = line["retry: ".Length..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data = line["data: ".Length..];
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException or ObjectDisposedException)
        {
            // Closed by the test.
        }
        finally
        {
            items.Writer.TryComplete();
            ended.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        response.Dispose();
        await reading;
        stop.Dispose();
    }
}
