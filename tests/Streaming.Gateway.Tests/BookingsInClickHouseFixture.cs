using System.Globalization;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.LocalServers;
using Streaming.Metrics;
using Streaming.Metrics.Bookings;

namespace Streaming.Gateway.Tests;

/// <summary>
/// A real ClickHouse with the fleet's schema and a few bookings partials in a database of its own, and the gateway
/// reading it.
/// </summary>
public sealed class BookingsInClickHouseFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
    private readonly HttpClient http = new();
    private LocalClickHouseServer? server;

    private ClickHouseClient? clickHouse;

    public GatewayFactory Gateway { get; } = new();

    public async Task InitializeAsync()
    {
        server = await LocalClickHouseServer.StartAsync();
        var database = "gw_" + Guid.NewGuid().ToString("N")[..10];
        clickHouse = new ClickHouseClient(http, Options.Create(new ClickHouseOptions { Url = server.Url, Database = database }));
        await new SchemaMigrator(clickHouse).ApplyAsync(FleetSchema.Migrations);
        await clickHouse.ExecuteAsync($"""
            INSERT INTO {BookingsTable.Table}
                (window_start, dimension, dimension_value, currency, source_partition, revision, provisional,
                 bookings, cancellations, revenue_minor, cancelled_revenue_minor)
            VALUES
            {Row(T0, "product", "p1", "KRW", partition: 0, revision: 1, provisional: false, bookings: 2, revenue: 90_000)},
            {Row(T0, "product", "p1", "KRW", partition: 0, revision: 2, provisional: false, bookings: 3, revenue: 135_000)},
            {Row(T0, "product", "p1", "KRW", partition: 1, revision: 1, provisional: true, bookings: 1, revenue: 45_000)},
            {Row(T0, "product", "p2", "USD", partition: 2, revision: 1, provisional: false, bookings: 1, revenue: 5_000,
                cancellations: 1, cancelledRevenue: 5_000)},
            {Row(T0.AddMinutes(1), "product", "p1", "KRW", partition: 0, revision: 1, provisional: false, bookings: 1, revenue: 45_000)},
            {Row(T0, "city", "Seoul", "KRW", partition: 0, revision: 1, provisional: false, bookings: 4, revenue: 180_000)},
            {Row(T0.AddMinutes(10), "product", "p1", "KRW", partition: 0, revision: 1, provisional: false, bookings: 9, revenue: 1)}
            """);
        Gateway.Settings["ClickHouse:Url"] = server.Url;
        Gateway.Settings["ClickHouse:Database"] = database;
    }

    private static string Row(
        DateTimeOffset minute, string dimension, string value, string currency, int partition, int revision, bool provisional,
        long bookings, long revenue, long cancellations = 0, long cancelledRevenue = 0) =>
        string.Create(CultureInfo.InvariantCulture,
            $"(toDateTime({minute.ToUnixTimeSeconds()}), {Sql.String(dimension)}, {Sql.String(value)}, {Sql.String(currency)}, " +
            $"{partition}, {revision}, {(provisional ? 1 : 0)}, {bookings}, {cancellations}, {revenue}, {cancelledRevenue})");

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        if (clickHouse is not null)
        {
            // The server may be one CLICKHOUSE_URL names, which outlives this fixture.
            await clickHouse.ExecuteAsync("DROP DATABASE IF EXISTS " + Sql.Identifier(clickHouse.Database), useDatabase: false);
        }

        if (server is not null)
        {
            await server.DisposeAsync();
        }

        http.Dispose();
    }
}
