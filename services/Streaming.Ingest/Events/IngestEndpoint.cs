using Microsoft.Extensions.Options;
using Streaming.ServiceDefaults.Clients;

namespace Streaming.Ingest.Events;

/// <summary>
/// POST /v1/events: a JSON array of events. The request is all or nothing: any invalid event rejects it
/// with a problem+json body naming each bad field ("[3].occurred_at"), and nothing reaches Kafka.
/// </summary>
public static class IngestEndpoint
{
    public static async Task<IResult> HandleAsync(
        HttpContext http,
        IOptions<IngestOptions> options,
        EventBatchReader reader,
        EventPublisher publisher,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var limits = options.Value;
        var body = http.Request.ContentLength > limits.MaxBodyBytes ? null : await ReadBodyAsync(http.Request.Body, limits.MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            IngestTelemetry.RequestRejected(IngestTelemetry.TooLarge);
            return TooLarge(limits.MaxBodyBytes);
        }

        var batch = reader.Read(body);
        if (!batch.IsValid)
        {
            IngestTelemetry.RequestRejected(IngestTelemetry.Invalid);
            return Results.ValidationProblem(batch.Errors, title: batch.Title);
        }

        // Counted once the batch is known to be valid: a refused batch costs the client no events.
        if (http.ApiClient() is { } client && !client.Events.TryTake(batch.Events.Count, out var retryAfter))
        {
            IngestTelemetry.RequestRejected(IngestTelemetry.OverQuota);
            return ApiScopeFilter.TooManyRequests(http, client, retryAfter, "events");
        }

        var receivedAt = clock.GetUtcNow();
        var events = batch.Events.Select(e => e.ToAppEvent(receivedAt)).ToList();
        if (!await publisher.PublishAsync(events, cancellationToken))
        {
            IngestTelemetry.RequestRejected(IngestTelemetry.KafkaUnavailable);
            return Results.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Kafka is unavailable",
                detail: "The events were not all stored. Retry the request; event_id lets consumers drop duplicates.");
        }

        IngestTelemetry.EventsAccepted(events.Count);
        return Results.Json(new IngestAccepted(events.Count), IngestJsonContext.Default.IngestAccepted, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; null when the body is larger (chunked bodies have no length).</summary>
    private static async Task<byte[]?> ReadBodyAsync(Stream body, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static IResult TooLarge(int limit) => Results.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge,
        title: "Request body too large",
        detail: $"The body exceeds {limit} bytes; send smaller batches.",
        extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["body"] = [$"at most {limit} bytes"] } });
}
