using System.Globalization;
using Streaming.ClickHouse.Tests.Chdb;
using Streaming.Gateway.Metrics;
using Streaming.Metrics;
using Streaming.Metrics.Bookings;
using Streaming.Metrics.ConcurrentUsers;
using Streaming.Metrics.Popularity;

namespace Streaming.ClickHouse.Tests;

/// <summary>
/// The SQL the gateway builds for each metrics endpoint, with several parameter sets, run on known rows on each
/// ClickHouse. The HTTP side of the endpoints is tested against the fleet in the integration tests.
/// </summary>
public abstract class GatewayQueriesTests(ClickHouseEngineFixture engine)
{
    private static readonly DateTimeOffset M0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset M1 = M0.AddMinutes(1);
    private static readonly DateTimeOffset M2 = M0.AddMinutes(2);
    private static readonly DateTimeOffset NextHour = M0.AddHours(1);

    // A value that must reach ClickHouse as a literal, not as SQL.
    private const string Quoted = @"O'Brien\x";

    private static readonly Dictionary<string, (ConcurrentUsersQuery Query, int MaxRows, ConcurrentUsersRow[] Expected)> UsersCases = new()
    {
        ["all"] = (new(Iso(M0), Iso(NextHour), null, null), 10,
            [Users(M0, "all", "", 20, 0), Users(M1, "all", "", 10, 1), Users(M2, "all", "", 0, 0)]),
        ["platform"] = (new(Iso(M0), Iso(NextHour), "platform", null), 10,
            [Users(M0, "platform", "android", 7, 0), Users(M0, "platform", "ios", 5, 0)]),
        ["platform ios"] = (new(Iso(M0), Iso(NextHour), "platform", "ios"), 10, [Users(M0, "platform", "ios", 5, 0)]),
        ["country KR"] = (new(Iso(M0), Iso(NextHour), "country", "KR"), 10, [Users(M1, "country", "KR", 9, 0)]),
        ["from is inclusive, to exclusive"] = (new(Iso(M1), Iso(M2), null, null), 10, [Users(M1, "all", "", 10, 1)]),
        ["one past max rows"] = (new(Iso(M0), Iso(NextHour), null, null), 1, [Users(M0, "all", "", 20, 0), Users(M1, "all", "", 10, 1)]),
    };

    private static readonly Dictionary<string, (BookingsQuery Query, int MaxRows, BookingsRow[] Expected)> BookingsCases = new()
    {
        ["product"] = (new(Iso(M0), Iso(NextHour)), 10,
        [
            Booked(M0, "product", "tour-1", "JPY", 2, 0, 20, 0, 0), Booked(M0, "product", "tour-1", "KRW", 4, 1, 400, 50, 0),
            Booked(M0, "product", "tour-2", "KRW", 5, 0, 0, 0, 1), Booked(M1, "product", "tour-1", "KRW", 1, 0, 100, 0, 0),
        ]),
        ["product_id"] = (new(Iso(M0), Iso(NextHour), ProductId: "tour-1"), 10,
        [
            Booked(M0, "product", "tour-1", "JPY", 2, 0, 20, 0, 0), Booked(M0, "product", "tour-1", "KRW", 4, 1, 400, 50, 0),
            Booked(M1, "product", "tour-1", "KRW", 1, 0, 100, 0, 0),
        ]),
        ["city"] = (new(Iso(M0), Iso(NextHour), "city"), 10,
            [Booked(M0, "city", Quoted, "KRW", 6, 0, 600, 0, 0), Booked(M0, "city", "Seoul", "KRW", 2, 0, 0, 0, 0)]),
        ["city with a quote and a backslash"] = (new(Iso(M0), Iso(NextHour), "city", Quoted), 10,
            [Booked(M0, "city", Quoted, "KRW", 6, 0, 600, 0, 0)]),
        ["category"] = (new(Iso(M0), Iso(NextHour), "category", "tours"), 10, [Booked(M0, "category", "tours", "KRW", 7, 0, 0, 0, 0)]),
        ["one past max rows"] = (new(Iso(M0), Iso(NextHour)), 2,
        [
            Booked(M0, "product", "tour-1", "JPY", 2, 0, 20, 0, 0), Booked(M0, "product", "tour-1", "KRW", 4, 1, 400, 50, 0),
            Booked(M0, "product", "tour-2", "KRW", 5, 0, 0, 0, 1),
        ]),
    };

    private static readonly Dictionary<string, (BookingsQuery Query, BookingsMinuteRow[] Expected)> BookingsPerMinuteCases = new()
    {
        // tour-1 in two currencies is one product.
        ["hour"] = (new(Iso(M0), Iso(NextHour)), [new(M0.ToUnixTimeSeconds(), 2 + 4 + 5, 2), new(M1.ToUnixTimeSeconds(), 1, 1)]),
        ["second minute"] = (new(Iso(M1), Iso(NextHour)), [new(M1.ToUnixTimeSeconds(), 1, 1)]),
    };

    private static readonly Dictionary<string, (int N, PopularityTotalRow[] Expected)> PopularityTotalCases = new()
    {
        ["top 2"] = (2, [new("p-b", 7, 2, 0, 8.5, 0), new("p-a", 12, 1, 1, 6.0, 0)]),
        ["top 10"] = (10, [new("p-b", 7, 2, 0, 8.5, 0), new("p-a", 12, 1, 1, 6.0, 0), new("p-c", 9, 0, 0, 4.5, 1)]),
    };

    private static readonly Dictionary<string, (int N, int MaxRows, PopularityMinuteRow[] Expected)> PopularityPerMinuteCases = new()
    {
        // p-a and p-b tie at 6.0 in the first minute: the smaller product id ranks first.
        ["top 1 per minute"] = (1, 100, [Popularity(M0, "p-a", 12, 1, 1, 6.0, 0), Popularity(M1, "p-c", 8, 0, 0, 4.0, 0)]),
        ["top 2 per minute, one past max rows"] = (2, 2,
            [Popularity(M0, "p-a", 12, 1, 1, 6.0, 0), Popularity(M0, "p-b", 4, 2, 0, 6.0, 0), Popularity(M1, "p-c", 8, 0, 0, 4.0, 0)]),
    };

    public static TheoryData<string> UsersCaseNames => new(UsersCases.Keys);

    public static TheoryData<string> BookingsCaseNames => new(BookingsCases.Keys);

    public static TheoryData<string> BookingsPerMinuteCaseNames => new(BookingsPerMinuteCases.Keys);

    public static TheoryData<string> PopularityTotalCaseNames => new(PopularityTotalCases.Keys);

    public static TheoryData<string> PopularityPerMinuteCaseNames => new(PopularityPerMinuteCases.Keys);

    [Theory]
    [MemberData(nameof(UsersCaseNames))]
    public async Task Concurrent_users(string name)
    {
        var (query, maxRows, expected) = UsersCases[name];
        var client = await ClientWithRowsAsync();
        Assert.Equal(expected, await client.QueryAsync(ConcurrentUsersEndpoint.BuildSql(query, maxRows), GatewayJsonContext.Default.ConcurrentUsersRow));
    }

    [Theory]
    [MemberData(nameof(BookingsCaseNames))]
    public async Task Bookings(string name)
    {
        var (query, maxRows, expected) = BookingsCases[name];
        var client = await ClientWithRowsAsync();
        Assert.Equal(expected, await client.QueryAsync(BookingsEndpoint.BuildSql(query, maxRows), GatewayJsonContext.Default.BookingsRow));
    }

    [Theory]
    [MemberData(nameof(BookingsPerMinuteCaseNames))]
    public async Task Bookings_per_minute(string name)
    {
        var (query, expected) = BookingsPerMinuteCases[name];
        var client = await ClientWithRowsAsync();
        Assert.Equal(expected, await client.QueryAsync(BookingsEndpoint.BuildPerMinuteSql(query), GatewayJsonContext.Default.BookingsMinuteRow));
    }

    [Theory]
    [MemberData(nameof(PopularityTotalCaseNames))]
    public async Task Popularity_top_over_the_range(string name)
    {
        var (n, expected) = PopularityTotalCases[name];
        var client = await ClientWithRowsAsync();
        var sql = PopularityTopEndpoint.BuildTotalSql(new PopularityTopQuery(Iso(M0), Iso(NextHour), n.ToString(CultureInfo.InvariantCulture)), n);
        Assert.Equal(expected, await client.QueryAsync(sql, GatewayJsonContext.Default.PopularityTotalRow));
    }

    [Theory]
    [MemberData(nameof(PopularityPerMinuteCaseNames))]
    public async Task Popularity_top_per_minute(string name)
    {
        var (n, maxRows, expected) = PopularityPerMinuteCases[name];
        var client = await ClientWithRowsAsync();
        var query = new PopularityTopQuery(Iso(M0), Iso(NextHour), n.ToString(CultureInfo.InvariantCulture), "true");
        Assert.Equal(expected, await client.QueryAsync(PopularityTopEndpoint.BuildPerMinuteSql(query, n, maxRows), GatewayJsonContext.Default.PopularityMinuteRow));
    }

    /// <summary>A fleet database with the known partials of the hour from <see cref="M0"/>, and a row of the next hour.</summary>
    private async Task<ClickHouseClient> ClientWithRowsAsync()
    {
        var client = await engine.CreateFleetDatabaseAsync();
        await client.InsertRowBinaryAsync(ConcurrentUsersTable.Table, new ConcurrentUsersPerMinute[]
        {
            // M0, all: partition 0's provisional 10 is replaced by its final 12; partition 1 adds 8.
            new(M0, "all", "", 0, 1, true, 10), new(M0, "all", "", 0, 2, false, 12), new(M0, "all", "", 1, 5, false, 8),
            // M1, all: partition 1 is still provisional, so the minute is.
            new(M1, "all", "", 0, 3, false, 4), new(M1, "all", "", 1, 3, true, 6),
            // M2, all: an explicit zero.
            new(M2, "all", "", 0, 1, false, 0),
            new(M0, "platform", "ios", 0, 1, false, 3), new(M0, "platform", "ios", 1, 1, false, 2),
            new(M0, "platform", "android", 2, 1, false, 7), new(M1, "country", "KR", 0, 1, false, 9),
            new(NextHour, "all", "", 0, 1, false, 99),
        }, ConcurrentUsersTable.Rows);
        await client.InsertRowBinaryAsync(BookingsTable.Table, new BookingsPerMinute[]
        {
            new(M0, ResultDimensions.Product, "tour-1", "KRW", 0, 1, true, 2, 0, 200, 0),
            new(M0, ResultDimensions.Product, "tour-1", "KRW", 0, 2, false, 3, 0, 300, 0),
            new(M0, ResultDimensions.Product, "tour-1", "KRW", 1, 1, false, 1, 1, 100, 50),
            new(M0, ResultDimensions.Product, "tour-1", "JPY", 2, 1, false, 2, 0, 20, 0),
            new(M0, ResultDimensions.Product, "tour-2", "KRW", 0, 1, true, 5, 0, 0, 0),
            new(M1, ResultDimensions.Product, "tour-1", "KRW", 0, 1, false, 1, 0, 100, 0),
            new(M0, ResultDimensions.City, Quoted, "KRW", 0, 1, false, 6, 0, 600, 0),
            new(M0, ResultDimensions.City, "Seoul", "KRW", 1, 1, false, 2, 0, 0, 0),
            new(M0, ResultDimensions.Category, "tours", "KRW", 0, 1, false, 7, 0, 0, 0),
            new(NextHour, ResultDimensions.Product, "tour-1", "KRW", 0, 1, false, 100, 0, 0, 0),
        }, BookingsTable.Rows);
        await client.InsertRowBinaryAsync(PopularityTable.Table, new ProductPopularityPerMinute[]
        {
            new(M0, "p-a", 0, 1, true, 1, 0, 0, 1.0), new(M0, "p-a", 0, 2, false, 10, 1, 1, 5.0), new(M0, "p-a", 1, 1, false, 2, 0, 0, 1.0),
            new(M0, "p-b", 0, 1, false, 4, 2, 0, 6.0),
            new(M0, "p-c", 2, 3, true, 1, 0, 0, 0.5),
            new(M1, "p-b", 0, 1, false, 3, 0, 0, 2.5), new(M1, "p-c", 0, 1, false, 8, 0, 0, 4.0),
            new(NextHour, "p-z", 0, 1, false, 100, 100, 100, 100.0),
        }, PopularityTable.Rows);
        return client;
    }

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static ConcurrentUsersRow Users(DateTimeOffset minute, string dimension, string value, long users, int provisional) =>
        new(minute.ToUnixTimeSeconds(), dimension, value, users, provisional);

    private static BookingsRow Booked(
        DateTimeOffset minute, string dimension, string value, string currency,
        long bookings, long cancellations, long revenue, long cancelledRevenue, int provisional) =>
        new(minute.ToUnixTimeSeconds(), dimension, value, currency, bookings, cancellations, revenue, cancelledRevenue, provisional);

    private static PopularityMinuteRow Popularity(
        DateTimeOffset minute, string product, long views, long wishlists, long bookings, double score, int provisional) =>
        new(minute.ToUnixTimeSeconds(), product, views, wishlists, bookings, score, provisional);
}

[Collection(ClickHouseCollection.Name)]
public sealed class GatewayQueriesOnServerTests(ClickHouseServerFixture engine) : GatewayQueriesTests(engine);

[Collection(ChdbCollection.Name)]
public sealed class GatewayQueriesOnChdbTests(ChdbFixture engine) : GatewayQueriesTests(engine);
