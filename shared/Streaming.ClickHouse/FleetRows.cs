using Streaming.Events;

namespace Streaming.ClickHouse;

/// <summary>
/// How the aggregator's results and the raw events become rows of the fleet's tables, in RowBinary.
/// Columns left out (version, inserted_at) are computed by the server. Counts are written checked:
/// a negative count is refused rather than wrapped (the sink dead-letters such records before they get here).
/// </summary>
public static class FleetRows
{
    public static readonly RowBinaryLayout<ConcurrentUsersPerMinute> ConcurrentUsers = new(
        ["window_start", "dimension", "dimension_value", "source_partition", "revision", "provisional", "users"],
        static (w, r) =>
        {
            w.DateTime(r.WindowStart);
            w.String(r.Dimension);
            w.String(r.DimensionValue);
            w.UInt32(checked((uint)r.Partition));
            w.UInt64(checked((ulong)r.Revision));
            w.Bool(r.Provisional);
            w.UInt64(checked((ulong)r.Users));
        });

    public static readonly RowBinaryLayout<BookingsPerMinute> Bookings = new(
        ["window_start", "dimension", "dimension_value", "currency", "source_partition", "revision", "provisional",
            "bookings", "cancellations", "revenue_minor", "cancelled_revenue_minor"],
        static (w, r) =>
        {
            w.DateTime(r.WindowStart);
            w.String(r.Dimension);
            w.String(r.DimensionValue);
            w.String(r.Currency);
            w.UInt32(checked((uint)r.Partition));
            w.UInt64(checked((ulong)r.Revision));
            w.Bool(r.Provisional);
            w.UInt64(checked((ulong)r.Bookings));
            w.UInt64(checked((ulong)r.Cancellations));
            w.Int64(r.RevenueMinor);
            w.Int64(r.CancelledRevenueMinor);
        });

    public static readonly RowBinaryLayout<ProductPopularityPerMinute> Popularity = new(
        ["window_start", "product_id", "source_partition", "revision", "provisional", "views", "wishlists", "bookings", "score"],
        static (w, r) =>
        {
            w.DateTime(r.WindowStart);
            w.String(r.ProductId);
            w.UInt32(checked((uint)r.Partition));
            w.UInt64(checked((ulong)r.Revision));
            w.Bool(r.Provisional);
            w.UInt64(checked((ulong)r.Views));
            w.UInt64(checked((ulong)r.Wishlists));
            w.UInt64(checked((ulong)r.Bookings));
            w.Float64(r.Score);
        });

    public static readonly RowBinaryLayout<AppEvent> Events = new(
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
}
