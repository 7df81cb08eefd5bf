using System.Globalization;
using Streaming.ClickHouse;
using Streaming.Events;
using Streaming.Metrics.Bookings;
using Streaming.Metrics.ConcurrentUsers;
using Streaming.Metrics.Popularity;
using Streaming.Metrics.RawEvents;

namespace Streaming.Metrics.Ledger;

/// <summary>
/// One metric as the ledger checks it: what the view shows for some minutes, the same minutes recomputed from
/// <c>events_raw</c> (each event once), and the repair that writes the recomputation. Both sides come out in one shape,
/// <c>minute_unix, series, v1..v4</c>, so the reconciler compares any metric the same way.
/// </summary>
public sealed class LedgerMetric
{
    private readonly Func<string, string> recompute;
    private readonly string seriesOfView;
    private readonly string seriesOfRecompute;
    private readonly string[] valuesOfView;
    private readonly string[] valuesOfRecompute;
    private readonly string repairColumns;
    private readonly string repairSelect;
    private readonly Func<IReadOnlyList<DateTimeOffset>, string?> zeros;

    private LedgerMetric(
        string name, string view, string repairTable, string createRepairTable, Func<string?, string> viewQuery, Func<string, string> recompute,
        string seriesOfView, string seriesOfRecompute, string[] valuesOfView, string[] valuesOfRecompute, string repairColumns, string repairSelect,
        string headline, Func<IReadOnlyList<DateTimeOffset>, string?>? zeros = null)
    {
        Name = name;
        View = view;
        RepairTable = repairTable;
        CreateRepairTable = createRepairTable;
        ViewQuery = viewQuery;
        this.recompute = recompute;
        this.seriesOfView = seriesOfView;
        this.seriesOfRecompute = seriesOfRecompute;
        this.valuesOfView = valuesOfView;
        this.valuesOfRecompute = valuesOfRecompute;
        this.repairColumns = repairColumns;
        this.repairSelect = repairSelect;
        Headline = headline;
        this.zeros = zeros ?? (_ => null);
    }

    /// <summary>The metric's name, as in <see cref="IMetric.Name"/> and the ledger's <c>metric</c> column.</summary>
    public string Name { get; }

    public string View { get; }

    public string RepairTable { get; }

    internal string CreateRepairTable { get; }

    /// <summary>The view's query with repair precedence, narrowed by a condition on window_start.</summary>
    internal Func<string?, string> ViewQuery { get; }

    /// <summary>The series whose <c>v1</c> summed is the ledger's stream and recomputed value (e.g. all users).</summary>
    public string Headline { get; }

    /// <summary>What the view shows for <paramref name="minutes"/>.</summary>
    public string ViewRowsSql(IReadOnlyList<DateTimeOffset> minutes) =>
        $"SELECT toUInt32(minute) AS minute_unix, {seriesOfView} AS series, {Values(valuesOfView)} FROM ({ViewQuery(MinutesIn("window_start", minutes))})";

    /// <summary>The same minutes from <c>events_raw</c>, each event once.</summary>
    public string RecomputedRowsSql(IReadOnlyList<DateTimeOffset> minutes, MetricOptions weights) =>
        $"SELECT toUInt32(window_start) AS minute_unix, {seriesOfRecompute} AS series, {Values(valuesOfRecompute)} FROM ({Recompute(minutes, weights)})";

    /// <summary>Writes the recomputation of <paramref name="minutes"/> as repair generation <paramref name="generation"/> (not yet visible).</summary>
    public string RepairRowsSql(IReadOnlyList<DateTimeOffset> minutes, long generation, MetricOptions weights)
    {
        var source = Recompute(minutes, weights);
        if (zeros(minutes) is { } zeroRows)
        {
            // Only concurrent users has zero-filled series: the counted rows and the zeros, the larger of the two.
            source = $"SELECT window_start, dimension, dimension_value, max(zero_or_users) AS r_users FROM (SELECT window_start, dimension, dimension_value, r_users AS zero_or_users FROM ({source}) UNION ALL {zeroRows}) GROUP BY window_start, dimension, dimension_value";
        }

        return $"INSERT INTO {RepairTable} ({repairColumns}) SELECT {repairSelect.Replace("{generation}", Sql.Integer(generation), StringComparison.Ordinal)} FROM ({source})";
    }

    /// <summary>Makes generation <paramref name="generation"/> of <paramref name="minutes"/> what the view shows (see <see cref="Repairs"/>).</summary>
    public string MarkRepairedSql(IReadOnlyList<DateTimeOffset> minutes, long generation) =>
        $"INSERT INTO {Repairs.Table} (metric, window_start, generation) VALUES " +
        string.Join(", ", minutes.Select(m => $"({Sql.String(Name)}, {Sql.DateTime(m)}, {Sql.Integer(generation)})"));

    /// <summary>The repaired ones among <paramref name="minutes"/> (with a marker).</summary>
    public string RepairedMinutesSql(IReadOnlyList<DateTimeOffset> minutes) =>
        $"SELECT DISTINCT toUInt32(window_start) AS minute_unix FROM {Repairs.Table} WHERE metric = {Sql.String(Name)} AND {MinutesIn("window_start", minutes)}";

    private string Recompute(IReadOnlyList<DateTimeOffset> minutes, MetricOptions weights) => recompute(DedupedEvents(minutes))
        .Replace("{view_weight}", Float(weights.ViewWeight), StringComparison.Ordinal)
        .Replace("{wishlist_weight}", Float(weights.WishlistWeight), StringComparison.Ordinal)
        .Replace("{booking_weight}", Float(weights.BookingWeight), StringComparison.Ordinal);

    private static string Float(double value) =>
        double.IsFinite(value) ? "toFloat64(" + Sql.String(value.ToString("R", CultureInfo.InvariantCulture)) + ")" : throw new ArgumentOutOfRangeException(nameof(value));

    private static string Values(string[] values) =>
        string.Join(", ", Enumerable.Range(0, 4).Select(i => $"toFloat64({(i < values.Length ? values[i] : "0")}) AS v{i + 1}"));

    /// <summary>A condition that <paramref name="column"/> is one of the minutes (a range first, so the primary key narrows the read).</summary>
    internal static string MinutesIn(string column, IReadOnlyList<DateTimeOffset> minutes) =>
        $"{column} >= {Sql.DateTime(minutes.Min())} AND {column} < {Sql.DateTime(minutes.Max().AddMinutes(1))} AND toStartOfMinute({column}) IN ({string.Join(", ", minutes.Select(Sql.DateTime))})";

    /// <summary>
    /// The minutes' events, each identity (user id, event id) once, as the topologies count them: the copy received first
    /// (a client's retry of the same event is the same event; a re-delivery is the same row). Columns e_minute, e_type, e_user, e_product, e_platform, e_country,
    /// e_city, e_category, e_amount, e_currency; optional fields are '' (amount 0) when absent, as the topologies read them.
    /// </summary>
    private static string DedupedEvents(IReadOnlyList<DateTimeOffset> minutes) => $"""
        SELECT toStartOfMinute(tupleElement(e, 4)) AS e_minute, tupleElement(e, 1) AS e_type, tupleElement(e, 2) AS e_user,
               tupleElement(e, 3) AS e_product, tupleElement(e, 5) AS e_platform, tupleElement(e, 6) AS e_country,
               tupleElement(e, 7) AS e_city, tupleElement(e, 8) AS e_category, tupleElement(e, 9) AS e_amount, tupleElement(e, 10) AS e_currency
        FROM
        (
            SELECT event_id,
                   argMin(tuple(type, user_id, product_id, occurred_at, platform, country, city, category, amount, currency), received_at) AS e
            FROM {RawEventsTable.Table}
            WHERE {MinutesIn("occurred_at", minutes)}
            GROUP BY user_id, event_id
        )
        """;

    public static readonly LedgerMetric ConcurrentUsers = new(
        ConcurrentUsersTopology.Metric,
        ConcurrentUsersTable.PerMinute,
        ConcurrentUsersTable.RepairTable,
        $"""
        CREATE TABLE IF NOT EXISTS {ConcurrentUsersTable.RepairTable}
        (
            window_start DateTime,
            dimension String,
            dimension_value String,
            generation UInt64,
            users UInt64,
            inserted_at DateTime DEFAULT now()
        )
        ENGINE = ReplacingMergeTree
        PARTITION BY toYYYYMMDD(window_start)
        ORDER BY (window_start, generation, dimension, dimension_value)
        """,
        where => ConcurrentUsersTable.PerMinuteQuery(repairs: true, where),
        events => $"""
            SELECT e_minute AS window_start, tupleElement(dim, 1) AS dimension, tupleElement(dim, 2) AS dimension_value, uniqExact(e_user) AS r_users
            FROM
            (
                SELECT e_minute, e_user,
                       arrayJoin([tuple({Sql.String(ResultDimensions.All)}, ''), tuple({Sql.String(ResultDimensions.Platform)}, e_platform), tuple({Sql.String(ResultDimensions.Country)}, e_country)]) AS dim
                FROM ({events})
            )
            GROUP BY window_start, dimension, dimension_value
            """,
        "concat(dimension, '|', dimension_value)",
        "concat(dimension, '|', dimension_value)",
        ["users"],
        ["r_users"],
        "window_start, dimension, dimension_value, generation, users",
        "window_start, dimension, dimension_value, {generation}, r_users",
        ResultDimensions.All + "|",
        // The overall and per-platform series are zero-filled, as the stream's are: a repaired empty minute still has them.
        minutes => $"""
            SELECT window_start, tupleElement(zero, 1) AS dimension, tupleElement(zero, 2) AS dimension_value, toUInt64(0) AS r_users
            FROM
            (
                SELECT arrayJoin([{string.Join(", ", minutes.Select(Sql.DateTime))}]) AS window_start,
                       arrayJoin([tuple({Sql.String(ResultDimensions.All)}, ''), {string.Join(", ", Platforms.All.Order(StringComparer.Ordinal).Select(p => $"tuple({Sql.String(ResultDimensions.Platform)}, {Sql.String(p)})"))}]) AS zero
            )
            """);

    public static readonly LedgerMetric Bookings = new(
        BookingsTopology.Metric,
        BookingsTable.PerMinute,
        BookingsTable.RepairTable,
        $"""
        CREATE TABLE IF NOT EXISTS {BookingsTable.RepairTable}
        (
            window_start DateTime,
            dimension String,
            dimension_value String,
            currency String,
            generation UInt64,
            bookings UInt64,
            cancellations UInt64,
            revenue_minor Int64,
            cancelled_revenue_minor Int64,
            inserted_at DateTime DEFAULT now()
        )
        ENGINE = ReplacingMergeTree
        PARTITION BY toYYYYMMDD(window_start)
        ORDER BY (window_start, generation, dimension, dimension_value, currency)
        """,
        where => BookingsTable.PerMinuteQuery(repairs: true, where),
        events => $"""
            SELECT e_minute AS window_start, tupleElement(dim, 1) AS dimension, tupleElement(dim, 2) AS dimension_value, e_currency AS currency,
                   countIf(e_type = {Sql.String(EventTypes.BookingConfirmed)}) AS r_bookings,
                   countIf(e_type = {Sql.String(EventTypes.BookingCancelled)}) AS r_cancellations,
                   sumIf(e_amount, e_type = {Sql.String(EventTypes.BookingConfirmed)}) AS r_revenue_minor,
                   sumIf(e_amount, e_type = {Sql.String(EventTypes.BookingCancelled)}) AS r_cancelled_revenue_minor
            FROM
            (
                SELECT e_minute, e_type, e_currency, e_amount,
                       arrayJoin([tuple({Sql.String(ResultDimensions.Product)}, e_product), tuple({Sql.String(ResultDimensions.Category)}, e_category), tuple({Sql.String(ResultDimensions.City)}, e_city)]) AS dim
                FROM ({events})
                WHERE e_type IN ({Sql.String(EventTypes.BookingConfirmed)}, {Sql.String(EventTypes.BookingCancelled)})
            )
            GROUP BY window_start, dimension, dimension_value, currency
            """,
        "concat(dimension, '|', dimension_value, '|', currency)",
        "concat(dimension, '|', dimension_value, '|', currency)",
        ["bookings", "cancellations", "revenue_minor", "cancelled_revenue_minor"],
        ["r_bookings", "r_cancellations", "r_revenue_minor", "r_cancelled_revenue_minor"],
        "window_start, dimension, dimension_value, currency, generation, bookings, cancellations, revenue_minor, cancelled_revenue_minor",
        "window_start, dimension, dimension_value, currency, {generation}, r_bookings, r_cancellations, r_revenue_minor, r_cancelled_revenue_minor",
        ResultDimensions.Product + "|");

    public static readonly LedgerMetric Popularity = new(
        PopularityTopology.Metric,
        PopularityTable.PerMinute,
        PopularityTable.RepairTable,
        $"""
        CREATE TABLE IF NOT EXISTS {PopularityTable.RepairTable}
        (
            window_start DateTime,
            product_id String,
            generation UInt64,
            views UInt64,
            wishlists UInt64,
            bookings UInt64,
            score Float64,
            inserted_at DateTime DEFAULT now()
        )
        ENGINE = ReplacingMergeTree
        PARTITION BY toYYYYMMDD(window_start)
        ORDER BY (window_start, generation, product_id)
        """,
        where => PopularityTable.PerMinuteQuery(repairs: true, where),
        events => $"""
            SELECT e_minute AS window_start, e_product AS product_id,
                   countIf(e_type = {Sql.String(EventTypes.ProductView)}) AS r_views,
                   countIf(e_type = {Sql.String(EventTypes.WishlistAdd)}) AS r_wishlists,
                   countIf(e_type = {Sql.String(EventTypes.BookingConfirmed)}) AS r_bookings,
                   (r_views * {"{view_weight}"}) + (r_wishlists * {"{wishlist_weight}"}) + (r_bookings * {"{booking_weight}"}) AS r_score
            FROM ({events})
            WHERE e_type IN ({Sql.String(EventTypes.ProductView)}, {Sql.String(EventTypes.WishlistAdd)}, {Sql.String(EventTypes.BookingConfirmed)}) AND e_product != ''
            GROUP BY window_start, product_id
            """,
        "product_id",
        "product_id",
        ["views", "wishlists", "bookings", "score"],
        ["r_views", "r_wishlists", "r_bookings", "r_score"],
        "window_start, product_id, generation, views, wishlists, bookings, score",
        "window_start, product_id, {generation}, r_views, r_wishlists, r_bookings, r_score",
        "");
}

/// <summary>Every metric the ledger checks, in the catalog's order.</summary>
public static class LedgerMetrics
{
    public static readonly IReadOnlyList<LedgerMetric> All = [LedgerMetric.ConcurrentUsers, LedgerMetric.Bookings, LedgerMetric.Popularity];
}
