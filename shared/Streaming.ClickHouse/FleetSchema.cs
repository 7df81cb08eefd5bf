namespace Streaming.ClickHouse;

/// <summary>
/// The fleet's tables and views. SQL here runs on Debian's ClickHouse 18.16 and on current releases:
/// DateTime (no DateTime64), String (no LowCardinality), and aliases that never shadow a column name
/// (18.16 resolves such an alias inside aggregates and then fails or miscounts).
/// </summary>
public static class FleetSchema
{
    // Tables the sink writes: one row per (window, dimensions, source partition) and version.
    public const string ConcurrentUsersMinute = "concurrent_users_minute";
    public const string BookingsMinute = "bookings_minute";
    public const string PopularityMinute = "popularity_minute";
    public const string EventsRaw = "events_raw";

    // Views for BI users: the latest version of each partial, summed over source partitions, no FINAL needed.
    public const string ConcurrentUsersPerMinute = "concurrent_users_per_minute";
    public const string ConcurrentUsersPerHour = "concurrent_users_per_hour";
    public const string ConcurrentUsersPerDay = "concurrent_users_per_day";
    public const string BookingsPerMinute = "bookings_per_minute";
    public const string BookingsPerHour = "bookings_per_hour";
    public const string BookingsPerDay = "bookings_per_day";
    public const string PopularityPerMinute = "popularity_per_minute";
    public const string PopularityPerHour = "popularity_per_hour";
    public const string PopularityPerDay = "popularity_per_day";

    public static readonly IReadOnlyList<string> Tables = [ConcurrentUsersMinute, BookingsMinute, PopularityMinute, EventsRaw];

    public static readonly IReadOnlyList<string> Views =
    [
        ConcurrentUsersPerMinute, ConcurrentUsersPerHour, ConcurrentUsersPerDay,
        BookingsPerMinute, BookingsPerHour, BookingsPerDay,
        PopularityPerMinute, PopularityPerHour, PopularityPerDay,
    ];

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
        new(2, "metric partials per source partition, raw events, views for BI", Migration2()),
    ];

    private static List<string> Migration2()
    {
        // Version = revision * 2 + (final ? 1 : 0): a higher revision wins, and a final result beats a provisional one
        // of the same revision. MATERIALIZED so that no writer can insert a version that disagrees with its revision.
        const string version = "version UInt64 MATERIALIZED revision * 2 + (provisional = 0)";
        return
        [
            // Pre-release: the skeleton's table had no source partition and no provisional flag, and its name now
            // belongs to a view. Its rows are not migrated; the sink re-reads metrics.bookings from its new groups.
            // DROP is safe to repeat: if this migration is re-run, the view it drops is created again below.
            "DROP TABLE IF EXISTS bookings_per_minute",
            $"""
            CREATE TABLE IF NOT EXISTS {ConcurrentUsersMinute}
            (
                window_start DateTime,
                dimension String,
                dimension_value String,
                source_partition UInt32,
                revision UInt64,
                provisional UInt8,
                {version},
                users UInt64,
                inserted_at DateTime DEFAULT now()
            )
            ENGINE = ReplacingMergeTree(version)
            PARTITION BY toYYYYMMDD(window_start)
            ORDER BY (window_start, dimension, dimension_value, source_partition)
            """,
            $"""
            CREATE TABLE IF NOT EXISTS {BookingsMinute}
            (
                window_start DateTime,
                dimension String,
                dimension_value String,
                currency String,
                source_partition UInt32,
                revision UInt64,
                provisional UInt8,
                {version},
                bookings UInt64,
                cancellations UInt64,
                revenue_minor Int64,
                cancelled_revenue_minor Int64,
                inserted_at DateTime DEFAULT now()
            )
            ENGINE = ReplacingMergeTree(version)
            PARTITION BY toYYYYMMDD(window_start)
            ORDER BY (window_start, dimension, dimension_value, currency, source_partition)
            """,
            $"""
            CREATE TABLE IF NOT EXISTS {PopularityMinute}
            (
                window_start DateTime,
                product_id String,
                source_partition UInt32,
                revision UInt64,
                provisional UInt8,
                {version},
                views UInt64,
                wishlists UInt64,
                bookings UInt64,
                score Float64,
                inserted_at DateTime DEFAULT now()
            )
            ENGINE = ReplacingMergeTree(version)
            PARTITION BY toYYYYMMDD(window_start)
            ORDER BY (window_start, product_id, source_partition)
            """,
            // A re-delivered event has the same occurred_at, user and event id, so its copies share the sorting key
            // (and the day partition) and collapse on merge. Optional fields are '' (amount 0) when absent.
            $"""
            CREATE TABLE IF NOT EXISTS {EventsRaw}
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
            """,
            // Minute views: the latest version of each (window, dimensions, partition), then the sum over partitions.
            // provisional is 1 while any partition's latest partial is still provisional.
            $"""
            CREATE VIEW IF NOT EXISTS {ConcurrentUsersPerMinute} AS
            SELECT minute, dimension, dimension_value,
                   sum(partition_users) AS users,
                   max(partition_provisional) AS provisional
            FROM
            (
                SELECT window_start AS minute, dimension, dimension_value, source_partition,
                       argMax(users, version) AS partition_users,
                       argMax(provisional, version) AS partition_provisional
                FROM {ConcurrentUsersMinute}
                GROUP BY window_start, dimension, dimension_value, source_partition
            )
            GROUP BY minute, dimension, dimension_value
            """,
            $"""
            CREATE VIEW IF NOT EXISTS {BookingsPerMinute} AS
            SELECT minute, dimension, dimension_value, currency,
                   sum(partition_bookings) AS bookings,
                   sum(partition_cancellations) AS cancellations,
                   sum(partition_revenue_minor) AS revenue_minor,
                   sum(partition_cancelled_revenue_minor) AS cancelled_revenue_minor,
                   max(partition_provisional) AS provisional
            FROM
            (
                SELECT window_start AS minute, dimension, dimension_value, currency, source_partition,
                       argMax(bookings, version) AS partition_bookings,
                       argMax(cancellations, version) AS partition_cancellations,
                       argMax(revenue_minor, version) AS partition_revenue_minor,
                       argMax(cancelled_revenue_minor, version) AS partition_cancelled_revenue_minor,
                       argMax(provisional, version) AS partition_provisional
                FROM {BookingsMinute}
                GROUP BY window_start, dimension, dimension_value, currency, source_partition
            )
            GROUP BY minute, dimension, dimension_value, currency
            """,
            $"""
            CREATE VIEW IF NOT EXISTS {PopularityPerMinute} AS
            SELECT minute, product_id,
                   sum(partition_views) AS views,
                   sum(partition_wishlists) AS wishlists,
                   sum(partition_bookings) AS bookings,
                   sum(partition_score) AS score,
                   max(partition_provisional) AS provisional
            FROM
            (
                SELECT window_start AS minute, product_id, source_partition,
                       argMax(views, version) AS partition_views,
                       argMax(wishlists, version) AS partition_wishlists,
                       argMax(bookings, version) AS partition_bookings,
                       argMax(score, version) AS partition_score,
                       argMax(provisional, version) AS partition_provisional
                FROM {PopularityMinute}
                GROUP BY window_start, product_id, source_partition
            )
            GROUP BY minute, product_id
            """,
            // Rollups over the minute views. Aggregates get private names inside and the public names outside,
            // because sum(bookings) AS bookings would shadow the column on 18.16.
            ConcurrentUsersRollup(ConcurrentUsersPerHour, "hour", "toStartOfHour(minute)"),
            ConcurrentUsersRollup(ConcurrentUsersPerDay, "day", "toDate(minute)"),
            BookingsRollup(BookingsPerHour, "hour", "toStartOfHour(minute)"),
            BookingsRollup(BookingsPerDay, "day", "toDate(minute)"),
            PopularityRollup(PopularityPerHour, "hour", "toStartOfHour(minute)"),
            PopularityRollup(PopularityPerDay, "day", "toDate(minute)"),
        ];
    }

    // peak_users is the busiest minute; avg_users averages the minutes present (the "all" series has explicit zeros,
    // a platform or country with no users in a minute has no row for it).
    private static string ConcurrentUsersRollup(string view, string period, string truncate) => $"""
        CREATE VIEW IF NOT EXISTS {view} AS
        SELECT {period}, dimension, dimension_value,
               period_peak_users AS peak_users, period_avg_users AS avg_users, period_minutes AS minutes,
               period_provisional AS provisional
        FROM
        (
            SELECT {truncate} AS {period}, dimension, dimension_value,
                   max(users) AS period_peak_users, avg(users) AS period_avg_users, count() AS period_minutes,
                   max(provisional) AS period_provisional
            FROM {ConcurrentUsersPerMinute}
            GROUP BY {period}, dimension, dimension_value
        )
        """;

    private static string BookingsRollup(string view, string period, string truncate) => $"""
        CREATE VIEW IF NOT EXISTS {view} AS
        SELECT {period}, dimension, dimension_value, currency,
               period_bookings AS bookings, period_cancellations AS cancellations,
               period_revenue_minor AS revenue_minor, period_cancelled_revenue_minor AS cancelled_revenue_minor,
               period_provisional AS provisional
        FROM
        (
            SELECT {truncate} AS {period}, dimension, dimension_value, currency,
                   sum(bookings) AS period_bookings, sum(cancellations) AS period_cancellations,
                   sum(revenue_minor) AS period_revenue_minor, sum(cancelled_revenue_minor) AS period_cancelled_revenue_minor,
                   max(provisional) AS period_provisional
            FROM {BookingsPerMinute}
            GROUP BY {period}, dimension, dimension_value, currency
        )
        """;

    private static string PopularityRollup(string view, string period, string truncate) => $"""
        CREATE VIEW IF NOT EXISTS {view} AS
        SELECT {period}, product_id,
               period_views AS views, period_wishlists AS wishlists, period_bookings AS bookings, period_score AS score,
               period_provisional AS provisional
        FROM
        (
            SELECT {truncate} AS {period}, product_id,
                   sum(views) AS period_views, sum(wishlists) AS period_wishlists, sum(bookings) AS period_bookings,
                   sum(score) AS period_score, max(provisional) AS period_provisional
            FROM {PopularityPerMinute}
            GROUP BY {period}, product_id
        )
        """;
}
