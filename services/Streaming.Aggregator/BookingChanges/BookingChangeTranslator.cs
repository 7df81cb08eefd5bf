using FluentValidation;
using Streaming.Events;

namespace Streaming.Aggregator.BookingChanges;

/// <summary>What became of one change event.</summary>
public enum TranslationOutcome
{
    /// <summary>The row became confirmed: a booking_confirmed event.</summary>
    Confirmed,

    /// <summary>A confirmed row became cancelled: a booking_cancelled event.</summary>
    Cancelled,

    /// <summary>No booking changed (a pending row, an unchanged status, a pending booking cancelled).</summary>
    NoBookingChange,

    /// <summary>The booking's event was sent already (a redelivered change, a re-snapshot of a remembered row).</summary>
    AlreadySent,

    /// <summary>A cancelled row whose earlier status is unknown (no before image, not remembered): not counted.</summary>
    UnknownHistory,

    /// <summary>A deleted row: not a cancellation.</summary>
    Deleted,

    /// <summary>A truncated table: not a cancellation.</summary>
    Truncated,

    /// <summary>A null value after a delete: not a cancellation.</summary>
    Tombstone,

    /// <summary>The booking changed longer ago than ingest accepts events (7 days): not translated.</summary>
    TooOld,

    /// <summary>The change event cannot be read or its row breaks the event schema: dead-lettered with the reason.</summary>
    Rejected,
}

/// <summary>One change event's outcome, the event it becomes (if any), and the reason when rejected.</summary>
public sealed record Translation(TranslationOutcome Outcome, AppEvent? Event = null, string? Reason = null);

/// <summary>
/// Turns bookings-table changes into the fleet's booking events. A row that becomes <c>confirmed</c> is a
/// booking_confirmed at its <c>updated_at</c>; a confirmed row that becomes <c>cancelled</c> is a booking_cancelled at its
/// <c>updated_at</c>. The earlier status comes from the <c>before</c> image when it has one, else from
/// <see cref="BookingStatusMemory"/>; a new row (op c) has none. A booking's event that the memory says was sent is not
/// sent again (redelivery, re-snapshots). Event ids are the booking id and the status (<c>booking:42:confirmed</c>), so
/// what a translator that forgot sends again is the same event, which the windowing stage and <c>events_raw</c> count
/// once. Rows must pass the same rules as events posted to ingest.
/// </summary>
public sealed class BookingChangeTranslator(BookingStatusMemory memory, IncomingEventValidator validator, EventLimits limits, TimeProvider clock)
{
    public static string EventIdOf(string bookingId, BookingStatus status) =>
        "booking:" + bookingId + ":" + (status == BookingStatus.Confirmed ? "confirmed" : "cancelled");

    public Translation Translate(BookingChange change)
    {
        switch (change.Operation)
        {
            case ChangeOperation.Tombstone:
                return new Translation(TranslationOutcome.Tombstone);
            case ChangeOperation.Truncate:
                return new Translation(TranslationOutcome.Truncated);
            case ChangeOperation.Delete:
                // Remembered still: a replay of the row's earlier changes must not send its events again.
                return new Translation(TranslationOutcome.Deleted);
        }

        var after = change.After!;
        var known = memory.Recall(after.BookingId);
        var earlier = change.Operation == ChangeOperation.Create ? BookingStatus.Pending : change.Before?.Status ?? known?.Last;
        var outcome = (earlier, after.Status) switch
        {
            (_, BookingStatus.Pending) => TranslationOutcome.NoBookingChange,
            (BookingStatus.Confirmed, BookingStatus.Confirmed) => TranslationOutcome.NoBookingChange,
            (_, BookingStatus.Confirmed) => TranslationOutcome.Confirmed,
            (BookingStatus.Confirmed, BookingStatus.Cancelled) => TranslationOutcome.Cancelled,
            // A replayed change may have rewound the last status; a sent confirmation still says the booking was confirmed.
            (_, BookingStatus.Cancelled) when known is { ConfirmationSent: true } => TranslationOutcome.Cancelled,
            (null, BookingStatus.Cancelled) => TranslationOutcome.UnknownHistory,
            _ => TranslationOutcome.NoBookingChange,
        };
        if (outcome == TranslationOutcome.Confirmed && known is { ConfirmationSent: true } || outcome == TranslationOutcome.Cancelled && known is { CancellationSent: true })
        {
            // A redelivered change or a re-snapshot: this booking's event was sent already.
            outcome = TranslationOutcome.AlreadySent;
        }

        var remembered = new RememberedBooking(
            after.Status,
            known is { ConfirmationSent: true } || outcome == TranslationOutcome.Confirmed,
            known is { CancellationSent: true } || outcome == TranslationOutcome.Cancelled);
        if (outcome is not (TranslationOutcome.Confirmed or TranslationOutcome.Cancelled))
        {
            memory.Remember(after.BookingId, remembered);
            return new Translation(outcome);
        }

        var now = clock.GetUtcNow();
        if (after.UpdatedAt < now - limits.MaxEventAge)
        {
            memory.Remember(after.BookingId, remembered);
            return new Translation(TranslationOutcome.TooOld);
        }

        var type = outcome == TranslationOutcome.Confirmed ? EventTypes.BookingConfirmed : EventTypes.BookingCancelled;
        var incoming = new IncomingEvent(
            EventIdOf(after.BookingId, after.Status), type, after.UserId, "booking:" + after.BookingId, after.ProductId,
            after.UpdatedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture), after.Platform, after.Country, after.City,
            after.Amount, after.Currency, after.Category);
        var errors = validator.Validate(incoming).Errors;
        if (errors.Count > 0)
        {
            // Not remembered as sent: a corrected row (a later change) may still become the event.
            memory.Remember(after.BookingId, remembered with { ConfirmationSent = known is { ConfirmationSent: true }, CancellationSent = known is { CancellationSent: true } });
            return new Translation(TranslationOutcome.Rejected, Reason: string.Join("; ", errors.Select(e => $"after.{ColumnOf(e.PropertyName)}: {Describe(e)}")));
        }

        memory.Remember(after.BookingId, remembered);
        return new Translation(outcome, incoming.ToAppEvent(now));
    }

    /// <summary>The table's column behind an event field.</summary>
    private static string ColumnOf(string field) => field switch
    {
        "occurred_at" => "updated_at",
        "event_id" or "session_id" => "booking_id",
        _ => field,
    };

    private static string Describe(FluentValidation.Results.ValidationFailure error) =>
        error.ErrorMessage.Replace("occurred_at", "updated_at", StringComparison.Ordinal);
}
