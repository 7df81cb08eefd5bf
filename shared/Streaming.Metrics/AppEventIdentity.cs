using Streaming.Events;
using Streaming.Reposts;

namespace Streaming.Metrics;

/// <summary>
/// Who an event is, for counting it once: its <c>event_id</c> within its <c>user_id</c> (ids are chosen by clients,
/// so two users may pick the same one; and <c>events</c> is keyed by user, so a user's copies meet in one task).
/// The content fingerprint covers every field a metric counts by, not <c>received_at</c>, which ingest stamps anew
/// on every post of the same event.
/// </summary>
internal static class AppEventIdentity
{
    public static EventIdentity Of(AppEvent e) => new(
        EventIdentity.IdOf(e.UserId, e.EventId),
        default(ContentHash)
            .Add(e.Type)
            .Add(e.SessionId)
            .Add(e.ProductId)
            .Add(e.OccurredAt.UtcTicks)
            .Add(e.Platform)
            .Add(e.Country)
            .Add(e.City)
            .Add(e.Amount)
            .Add(e.Currency)
            .Add(e.Category)
            .ToUInt32());
}
