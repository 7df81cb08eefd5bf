using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Streaming.Aggregator.BookingChanges;

/// <summary>The CDC translator's meter and activity source ("Streaming.Aggregator.Cdc"): change events by outcome.</summary>
public static class BookingChangesTelemetry
{
    public const string Name = "Streaming.Aggregator.Cdc";
    public const string OutcomeTag = "outcome";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Changes = Meter.CreateCounter<long>(
        "streaming.cdc.changes", "{change}",
        "Change events of the bookings table read, by outcome: confirmed, cancelled, no_booking_change, already_sent, unknown_history, deleted, truncated, tombstone, too_old, rejected (dead-lettered).");

    public static string TagOf(TranslationOutcome outcome) => outcome switch
    {
        TranslationOutcome.Confirmed => "confirmed",
        TranslationOutcome.Cancelled => "cancelled",
        TranslationOutcome.NoBookingChange => "no_booking_change",
        TranslationOutcome.AlreadySent => "already_sent",
        TranslationOutcome.UnknownHistory => "unknown_history",
        TranslationOutcome.Deleted => "deleted",
        TranslationOutcome.Truncated => "truncated",
        TranslationOutcome.Tombstone => "tombstone",
        TranslationOutcome.TooOld => "too_old",
        _ => "rejected",
    };

    public static void Count(TranslationOutcome outcome) => Changes.Add(1, new KeyValuePair<string, object?>(OutcomeTag, TagOf(outcome)));
}
