using System.ComponentModel.DataAnnotations;

namespace Streaming.Events;

/// <summary>
/// Section "Bookings": where a deployment's bookings come from. With <c>app</c> (the default) apps post
/// booking_confirmed and booking_cancelled events to ingest; with <c>cdc</c> the aggregator derives them from the
/// bookings table's Debezium change events and ingest refuses them from apps, so that none is counted twice.
/// </summary>
public sealed class BookingsOptions
{
    public const string Section = "Bookings";
    public const string FromApps = "app";
    public const string FromCdc = "cdc";

    [Required]
    [AllowedValues(FromApps, FromCdc, ErrorMessage = "Bookings:Source must be 'app' (apps post booking events) or 'cdc' (Debezium change events of the bookings table)")]
    public string Source { get; set; } = FromApps;

    /// <summary>The topic Debezium writes the bookings table's change events to (TopicPrefix is not applied: Debezium names it).</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9._-]{1,249}$", ErrorMessage = "Bookings:CdcTopic must be a Kafka topic name")]
    public string CdcTopic { get; set; } = "cdc.bookings";

    /// <summary>
    /// How many bookings' last status the translator remembers, to tell a new confirmation or a cancellation of a
    /// confirmed booking when a change event has no <c>before</c> image (PostgreSQL's REPLICA IDENTITY DEFAULT, snapshots).
    /// </summary>
    [Range(1_000, 10_000_000)]
    public int MaxRememberedBookings { get; set; } = 200_000;

    public bool FromChangeData => Source == FromCdc;
}
