using Streaming.ClickHouse;
using Streaming.Events;
using Streaming.Kafka;

namespace Streaming.ClickHouseSink.Routes;

/// <summary>The aggregator's three metric topics, each into its table of per-partition partials.</summary>
public static class MetricRoutes
{
    public static readonly SinkRoute<ConcurrentUsersPerMinute> ConcurrentUsers = new(
        "concurrent-users", Topics.MetricsConcurrentUsers, FleetSchema.ConcurrentUsersMinute,
        EventJsonContext.Default.ConcurrentUsersPerMinute, FleetRows.ConcurrentUsers,
        r => RecordChecks.Result(r.WindowStart, r.Partition, r.Revision) ?? RecordChecks.Dimension(r.Dimension)
            ?? RecordChecks.NotNegative(("users", r.Users)));

    public static readonly SinkRoute<BookingsPerMinute> Bookings = new(
        "bookings", Topics.MetricsBookings, FleetSchema.BookingsMinute,
        EventJsonContext.Default.BookingsPerMinute, FleetRows.Bookings,
        r => RecordChecks.Result(r.WindowStart, r.Partition, r.Revision) ?? RecordChecks.Dimension(r.Dimension)
            ?? RecordChecks.NotNegative(("bookings", r.Bookings), ("cancellations", r.Cancellations)));

    public static readonly SinkRoute<ProductPopularityPerMinute> Popularity = new(
        "popularity", Topics.MetricsPopularity, FleetSchema.PopularityMinute,
        EventJsonContext.Default.ProductPopularityPerMinute, FleetRows.Popularity,
        r => RecordChecks.Result(r.WindowStart, r.Partition, r.Revision)
            ?? RecordChecks.NotNegative(("views", r.Views), ("wishlists", r.Wishlists), ("bookings", r.Bookings))
            ?? (double.IsFinite(r.Score) ? null : "score is not a finite number"));
}
