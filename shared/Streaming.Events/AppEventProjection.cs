namespace Streaming.Events;

/// <summary>
/// What a consumer that keeps per-product state reads of an event (<see cref="AppEventReader.TryReadProjection"/>),
/// which was checked as <see cref="AppEventReader.TryRead"/> checks it: type, product and time as values, the ids as
/// their UTF-8 bytes (unescaped, for hashing without a string), city and category read into strings only when asked
/// (from the reader's pool). The spans point into the record's bytes (or a copy, when a value was escaped): use a
/// projection before those bytes are reused.
/// </summary>
public readonly ref struct AppEventProjection
{
    private readonly ReadOnlySpan<byte> city;
    private readonly ReadOnlySpan<byte> category;
    private readonly bool hasCity;
    private readonly bool hasCategory;

    internal AppEventProjection(string type, string? productId, DateTimeOffset occurredAt, ReadOnlySpan<byte> userId, ReadOnlySpan<byte> eventId,
        ReadOnlySpan<byte> city, bool hasCity, ReadOnlySpan<byte> category, bool hasCategory)
    {
        Type = type;
        ProductId = productId;
        OccurredAt = occurredAt;
        UserId = userId;
        EventId = eventId;
        this.city = city;
        this.hasCity = hasCity;
        this.category = category;
        this.hasCategory = hasCategory;
    }

    /// <summary>The event's type (pooled).</summary>
    public string Type { get; }

    /// <summary>The product (pooled), null when absent.</summary>
    public string? ProductId { get; }

    /// <summary>When the event happened, with the offset it was written with.</summary>
    public DateTimeOffset OccurredAt { get; }

    /// <summary>The <c>user_id</c>'s UTF-8 bytes (valid UTF-8).</summary>
    public ReadOnlySpan<byte> UserId { get; }

    /// <summary>The <c>event_id</c>'s UTF-8 bytes (valid UTF-8).</summary>
    public ReadOnlySpan<byte> EventId { get; }

    /// <summary>The city (pooled), null when absent.</summary>
    public string? ReadCity() => hasCity ? AppEventReader.Pooled(city) : null;

    /// <summary>The category (pooled), null when absent.</summary>
    public string? ReadCategory() => hasCategory ? AppEventReader.Pooled(category) : null;
}
