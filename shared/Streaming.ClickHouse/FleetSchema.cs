namespace Streaming.ClickHouse;

/// <summary>
/// The fleet's tables. SQL here runs on Debian's ClickHouse 18.16 and on current releases:
/// DateTime (no DateTime64), String (no LowCardinality), ReplacingMergeTree on revision.
/// </summary>
public static class FleetSchema
{
    public const string BookingsPerMinute = "bookings_per_minute";

    public static readonly IReadOnlyList<Migration> Migrations =
    [
        new(1, "bookings per product per minute",
        [
            """
            CREATE TABLE IF NOT EXISTS bookings_per_minute
            (
                window_start DateTime,
                product_id String,
                currency String,
                revision UInt64,
                bookings UInt64,
                revenue_minor Int64,
                inserted_at DateTime DEFAULT now()
            )
            ENGINE = ReplacingMergeTree(revision)
            PARTITION BY toYYYYMMDD(window_start)
            ORDER BY (window_start, product_id, currency)
            """,
        ]),
    ];
}
