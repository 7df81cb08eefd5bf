using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;
using Streaming.Events;

namespace Streaming.Ingest.Events;

/// <summary>A request's events, or why none of them is accepted: a title and the errors by field ("[3].occurred_at", "body").</summary>
public sealed record EventBatch(List<IncomingEvent> Events, string? Title, Dictionary<string, string[]> Errors)
{
    public bool IsValid => Errors.Count == 0;
}

/// <summary>
/// Turns the bytes of a POST /v1/events body into valid events or a refusal: the endpoint's whole judgement of a body,
/// kept apart from HTTP so that property tests can run it on many bodies. It never throws on any body.
/// </summary>
public sealed class EventBatchReader(IOptions<IngestOptions> options, IncomingEventValidator validator, IOptions<BookingsOptions> bookings)
{
    // Refuses a repeated key in an event ("user_id":"","user_id":"u"), which would otherwise let the last one win unseen.
    private static readonly JsonTypeInfo<List<IncomingEvent>> Strict = (JsonTypeInfo<List<IncomingEvent>>)new JsonSerializerOptions(EventJsonContext.Default.Options)
    {
        AllowDuplicateProperties = false,
    }.GetTypeInfo(typeof(List<IncomingEvent>));

    public EventBatch Read(ReadOnlySpan<byte> body)
    {
        List<IncomingEvent>? incoming;
        try
        {
            incoming = JsonSerializer.Deserialize(body, Strict);
        }
        catch (JsonException ex)
        {
            return Invalid(FieldOf(ex.Path), JsonProblem(ex));
        }

        var limit = options.Value.MaxEventsPerRequest;
        if (incoming is null || incoming.Count == 0)
        {
            return Invalid("body", "Send a non-empty JSON array of events.");
        }

        if (incoming.Count > limit)
        {
            return Invalid("body", $"At most {limit} events per request; this one has {incoming.Count}.");
        }

        var errors = Validate(incoming);
        return new EventBatch(errors.Count == 0 ? incoming : [], errors.Count == 0 ? null : "Some events are invalid; none of this request was accepted.", errors);
    }

    /// <summary>
    /// Every bad field of every event, named as the client sent it ("[3].occurred_at"). In CDC mode booking events are
    /// refused: the bookings come from the database's change events, and an app's copy would count them twice.
    /// </summary>
    private Dictionary<string, string[]> Validate(List<IncomingEvent> incoming)
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

            if (bookings.Value.FromChangeData && incoming[i].Type is { } type && EventTypes.WithAmount.Contains(type))
            {
                errors[$"[{i}].type"] = [BookingsFromChangeData(type)];
            }
        }

        return errors;
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
            return "Unknown field; see the event schema in docs/events.md." + where;
        }

        if (ex.Message.StartsWith("Duplicate property", StringComparison.Ordinal))
        {
            return "Duplicate key: each field may appear once in an event." + where;
        }

        return ex.Path is null or "$"
            ? "The body is not a valid JSON array of events" + where + "."
            : "The value is malformed or of the wrong type" + where + ".";
    }

    private static EventBatch Invalid(string field, string message) =>
        new([], "The request is invalid; none of it was accepted.", new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] });
}
