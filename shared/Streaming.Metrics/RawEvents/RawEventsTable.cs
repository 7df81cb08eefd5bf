using Streaming.ClickHouse;
using Streaming.Events;
using Streaming.Kafka;

namespace Streaming.Metrics.RawEvents;

/// <summary>The validated events as they are, in <c>events_raw</c>, for BI users who need more than the metrics.</summary>
public static class RawEventsTable
{
    public const string Table = "events_raw";

    public static readonly RowBinaryLayout<AppEvent> Rows = new(
        ["event_id", "type", "user_id", "session_id", "product_id", "occurred_at", "platform", "country", "city", "category",
            "amount", "currency", "received_at"],
        static (w, e) =>
        {
            w.String(e.EventId);
            w.String(e.Type);
            w.String(e.UserId);
            w.String(e.SessionId);
            w.String(e.ProductId ?? "");
            w.DateTime(e.OccurredAt);
            w.String(e.Platform);
            w.String(e.Country);
            w.String(e.City ?? "");
            w.String(e.Category ?? "");
            w.Int64(e.Amount ?? 0);
            w.String(e.Currency ?? "");
            w.DateTime(e.ReceivedAt);
        });

    public static readonly SinkTable<AppEvent> Sink = new(
        "events", Topics.Events, Table, EventJsonContext.Default.AppEvent, Rows,
        e => RecordChecks.InDateTimeRange("occurred_at", e.OccurredAt) ?? RecordChecks.InDateTimeRange("received_at", e.ReceivedAt),
        AppEventReader.TryRead);

    // A re-delivered event has the same occurred_at, user and event id, so its copies share the sorting key (and the
    // day partition) and collapse on merge. Optional fields are '' (amount 0) when absent.
    internal const string Create = """
        CREATE TABLE IF NOT EXISTS events_raw
        (
            event_id String,
            type String,
            user_id String,
            session_id String,
            product_id String,
            occurred_at DateTime,
            platform String,
            country String,
            city String,
            category String,
            amount Int64,
            currency String,
            received_at DateTime,
            inserted_at DateTime DEFAULT now()
        )
        ENGINE = ReplacingMergeTree
        PARTITION BY toYYYYMMDD(occurred_at)
        ORDER BY (occurred_at, user_id, event_id)
        """;
}
