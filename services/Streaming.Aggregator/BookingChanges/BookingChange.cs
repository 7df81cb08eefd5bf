namespace Streaming.Aggregator.BookingChanges;

/// <summary>Debezium's operation codes: create, update, delete, read (snapshot), truncate.</summary>
public enum ChangeOperation
{
    Create,
    Update,
    Delete,
    Read,
    Truncate,

    /// <summary>A record with a null value (Debezium writes one after a delete, for log compaction).</summary>
    Tombstone,
}

public enum BookingStatus
{
    Pending,
    Confirmed,
    Cancelled,
}

/// <summary>One row of the bookings table as a change event carries it. Amount is in minor units of Currency.</summary>
public sealed record BookingRow(
    string BookingId,
    string UserId,
    string ProductId,
    BookingStatus Status,
    long Amount,
    string Currency,
    string? City,
    string? Category,
    string Platform,
    string Country,
    DateTimeOffset? CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>
/// A change event of the bookings table. <see cref="Before"/> is the row before the change when the event carries a
/// whole one (MySQL's full row image, PostgreSQL's REPLICA IDENTITY FULL); <see cref="BeforeKey"/> is the booking id of a
/// before image that has only the key (PostgreSQL's DEFAULT identity on deletes).
/// </summary>
public sealed record BookingChange(
    ChangeOperation Operation,
    BookingRow? Before,
    BookingRow? After,
    string? BeforeKey,
    string? Connector,
    string? Snapshot)
{
    /// <summary>The booking the change is about, when the event names one.</summary>
    public string? BookingId => After?.BookingId ?? Before?.BookingId ?? BeforeKey;
}
