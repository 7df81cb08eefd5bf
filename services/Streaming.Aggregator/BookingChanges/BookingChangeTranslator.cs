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

    /// <summary>No booking changed (a pending row, an unchanged status, a pending booking cancelled, a snapshot of a known row).</summary>
    NoBookingChange,

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
/// <see cref="BookingStatusMemory"/>; a new row (op c) has none. Event ids are the booking id and the status
/// (<c>booking:42:confirmed</c>), so a redelivered change or a re-snapshot yields the same event, which the windowing
/// stage and <c>events_raw</c> count once. Rows must pass the same rules as events posted to ingest.
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
                if (change.BookingId is { } deleted)
                {
                    memory.Forget(deleted);
                }

                return new Translation(TranslationOutcome.Deleted);
        }

        var after = change.After!;
        var earlier = change.Operation == ChangeOperation.Create ? BookingStatus.Pending : change.Before?.Status ?? memory.Recall(after.BookingId);
        memory.Remember(after.BookingId, after.Status);
        var outcome = (earlier, after.Status) switch
        {
            (_, BookingStatus.Pending) => TranslationOutcome.NoBookingChange,
            (BookingStatus.Confirmed, BookingStatus.Confirmed) => TranslationOutcome.NoBookingChange,
            (_, BookingStatus.Confirmed) => TranslationOutcome.Confirmed,
            (BookingStatus.Confirmed, BookingStatus.Cancelled) => TranslationOutcome.Cancelled,
            (null, BookingStatus.Cancelled) => TranslationOutcome.UnknownHistory,
            _ => TranslationOutcome.NoBookingChange,
        };
        if (outcome is not (TranslationOutcome.Confirmed or TranslationOutcome.Cancelled))
        {
            return new Translation(outcome);
        }

        var now = clock.GetUtcNow();
        if (after.UpdatedAt < now - limits.MaxEventAge)
        {
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
            return new Translation(TranslationOutcome.Rejected, Reason: string.Join("; ", errors.Select(e => $"after.{ColumnOf(e.PropertyName)}: {Describe(e)}")));
        }

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
