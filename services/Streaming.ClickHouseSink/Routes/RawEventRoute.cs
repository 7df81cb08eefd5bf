using Streaming.ClickHouse;
using Streaming.Events;
using Streaming.Kafka;

namespace Streaming.ClickHouseSink.Routes;

/// <summary>The validated events, as they are, for BI users who need more than the metrics.</summary>
public static class RawEventRoute
{
    public static readonly SinkRoute<AppEvent> Events = new(
        "events", Topics.Events, FleetSchema.EventsRaw,
        EventJsonContext.Default.AppEvent, FleetRows.Events,
        e => RecordChecks.InDateTimeRange("occurred_at", e.OccurredAt) ?? RecordChecks.InDateTimeRange("received_at", e.ReceivedAt));
}
