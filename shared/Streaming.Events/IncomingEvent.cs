namespace Streaming.Events;

/// <summary>
/// An event as a client sends it: every field optional so that validation, not the JSON reader,
/// reports what is missing, by field name.
/// </summary>
public sealed record IncomingEvent(
    string? EventId,
    string? Type,
    string? UserId,
    string? SessionId,
    string? ProductId,
    string? OccurredAt,
    string? Platform,
    string? Country,
    string? City,
    long? Amount,
    string? Currency,
    string? Category = null)
{
    /// <summary>
    /// The canonical event; call only after <see cref="IncomingEventValidator"/> passed. occurred_at keeps the client's
    /// offset (the user's time zone, for the push trigger's quiet hours and local days).
    /// </summary>
    public AppEvent ToAppEvent(DateTimeOffset receivedAt) => new(
        EventId!, Type!, UserId!, SessionId!, ProductId, EventTime.ParseRfc3339(OccurredAt!), Platform!, Country!, City, Amount, Currency, receivedAt, Category);
}
