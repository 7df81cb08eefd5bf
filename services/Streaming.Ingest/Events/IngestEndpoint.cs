using System.Text.Json;
using Microsoft.Extensions.Options;
using Streaming.Events;

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
        IncomingEventValidator validator,
        IOptions<BookingsOptions> bookings,
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

        var (incoming, refusal) = Parse(body, limits);
        if (refusal is not null)
        {
            IngestTelemetry.RequestRejected(IngestTelemetry.Invalid);
            return refusal;
        }

        var errors = Validate(incoming!, validator, bookings.Value);
        if (errors.Count > 0)
        {
            IngestTelemetry.RequestRejected(IngestTelemetry.Invalid);
            return Results.ValidationProblem(errors, title: "Some events are invalid; none of this request was accepted.");
        }

        var receivedAt = clock.GetUtcNow();
        var events = incoming!.Select(e => e.ToAppEvent(receivedAt)).ToList();
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

    /// <summary>The events of a body, or the 400 that says why there are none to validate.</summary>
    private static (List<IncomingEvent>? Events, IResult? Refusal) Parse(byte[] body, IngestOptions limits)
    {
        List<IncomingEvent>? incoming;
        try
        {
            incoming = JsonSerializer.Deserialize(body, EventJsonContext.Default.ListIncomingEvent);
        }
        catch (JsonException ex)
        {
            return (null, Invalid(FieldOf(ex.Path), JsonProblem(ex)));
        }

        if (incoming is null || incoming.Count == 0)
        {
            return (null, Invalid("body", "Send a non-empty JSON array of events."));
        }

        return incoming.Count > limits.MaxEventsPerRequest
            ? (null, Invalid("body", $"At most {limits.MaxEventsPerRequest} events per request; this one has {incoming.Count}."))
            : (incoming, null);
    }

    /// <summary>
    /// Every bad field of every event, named as the client sent it ("[3].occurred_at"). In CDC mode booking events are
    /// refused: the bookings come from the database's change events, and an app's copy would count them twice.
    /// </summary>
    private static Dictionary<string, string[]> Validate(List<IncomingEvent> incoming, IncomingEventValidator validator, BookingsOptions bookings)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        for (var i = 0; i < incoming.Count; i++)
        {
            if (incoming[i] is null)
            {
                errors[$"[{i}]"] = ["Each element must be an event object."];
                continue;
            }

            foreach (var group in validator.Validate(incoming[i]).Errors.GroupBy(e => e.PropertyName))
            {
                errors[$"[{i}].{group.Key}"] = [.. group.Select(e => e.ErrorMessage)];
            }

            if (bookings.FromChangeData && incoming[i].Type is { } type && EventTypes.WithAmount.Contains(type))
            {
                errors[$"[{i}].type"] = [BookingsFromChangeData(type)];
            }
        }

        return errors;
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

    public static string BookingsFromChangeData(string type) =>
        $"{type} events are not accepted here: this deployment takes bookings from the bookings table's change events (Bookings:Source=cdc), "
        + "so a booking posted by an app would be counted twice. Leave booking events out of the request.";

    private static string FieldOf(string? jsonPath) =>
        string.IsNullOrEmpty(jsonPath) || jsonPath == "$" ? "body" : jsonPath.TrimStart('$').TrimStart('.');

    private static string JsonProblem(JsonException ex)
    {
        // The reader's message names .NET types; say what the client should fix instead.
        var where = ex.LineNumber is { } line ? $" (line {line + 1}, byte {ex.BytePositionInLine + 1})" : "";
        if (ex.Message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            return "Unknown field; see the event schema in the README." + where;
        }

        return ex.Path is null or "$"
            ? "The body is not a valid JSON array of events" + where + "."
            : "The value is malformed or of the wrong type" + where + ".";
    }

    private static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The request is invalid; none of it was accepted.");

    private static IResult TooLarge(int limit) => Results.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge,
        title: "Request body too large",
        detail: $"The body exceeds {limit} bytes; send smaller batches.",
        extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["body"] = [$"at most {limit} bytes"] } });
}
