using System.Text.Json.Serialization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.Events;
using Streaming.LocalServers;
using Streaming.Metrics;
using Streaming.Metrics.Bookings;

namespace Streaming.Benchmarks;

/// <summary>
/// Inserting 500,000 bookings rows into a local ClickHouse (LocalClickHouseServer, or CLICKHOUSE_URL) in one request,
/// as JSONEachRow and as RowBinary, in the same run. Each operation is one row, so the mean is time per row and the
/// "Rows/s" column is the throughput, client serialization, HTTP and the server's parsing and writing included.
/// The sink uses the faster format (RowBinary).
/// </summary>
[Config(typeof(Config))]
[InvocationCount(1)]
public class ClickHouseInsertBenchmarks
{
    public const int Rows = 500_000;
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
    private static readonly string[] Dimensions = [ResultDimensions.Product, ResultDimensions.Category, ResultDimensions.City];
    private readonly HttpClient http = new();
    private LocalClickHouseServer? server;
    private ClickHouseClient client = null!;
    private BookingsPerMinute[] results = [];
    private BookingJsonRow[] jsonRows = [];

    [Params("JSONEachRow", "RowBinary")]
    public string Format { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        server = LocalClickHouseServer.StartAsync().GetAwaiter().GetResult();
        client = new ClickHouseClient(http, Options.Create(new ClickHouseOptions { Url = server.Url, Database = "bench_" + Guid.NewGuid().ToString("N")[..8] }));
        new SchemaMigrator(client).ApplyAsync(FleetSchema.Migrations).GetAwaiter().GetResult();
        var random = new Random(42);
        // About what a busy hour looks like: 2,000 products and their categories and cities, 3 partitions, revisions.
        results = [.. Enumerable.Range(0, Rows).Select(i => new BookingsPerMinute(
            Start.AddMinutes(i / 2000), Dimensions[i % 3], "value-" + random.Next(2000), i % 7 == 0 ? "JPY" : "KRW", i % 3,
            random.Next(1, 1_000_000), i % 5 == 0, random.Next(100), random.Next(10), random.Next(10_000_000), random.Next(100_000)))];
        jsonRows = [.. results.Select(BookingJsonRow.From)];
    }

    /// <summary>An empty table for every iteration, so that merges of earlier iterations do not weigh on later ones.</summary>
    [IterationSetup]
    public void Truncate() => client.ExecuteAsync("TRUNCATE TABLE " + BookingsTable.Table).GetAwaiter().GetResult();

    [Benchmark(OperationsPerInvoke = Rows)]
    public Task Insert() => Format == "RowBinary"
        ? client.InsertRowBinaryAsync(BookingsTable.Table, results, BookingsTable.Rows)
        : client.InsertAsync(BookingsTable.Table, jsonRows, BenchmarkJson.Default.BookingJsonRow);

    [GlobalCleanup]
    public void Cleanup()
    {
        client.ExecuteAsync("DROP DATABASE IF EXISTS " + Sql.Identifier(client.Database), useDatabase: false).GetAwaiter().GetResult();
        server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        http.Dispose();
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new RowsPerSecondColumn());
    }
}

/// <summary>A bookings_minute row as JSONEachRow (window_start in Unix seconds), the format the sink used before.</summary>
public sealed record BookingJsonRow(
    long WindowStart, string Dimension, string DimensionValue, string Currency, int SourcePartition, long Revision, int Provisional,
    long Bookings, long Cancellations, long RevenueMinor, long CancelledRevenueMinor)
{
    public static BookingJsonRow From(BookingsPerMinute r) => new(
        r.WindowStart.ToUnixTimeSeconds(), r.Dimension, r.DimensionValue, r.Currency, r.Partition, r.Revision, r.Provisional ? 1 : 0,
        r.Bookings, r.Cancellations, r.RevenueMinor, r.CancelledRevenueMinor);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BookingJsonRow))]
public sealed partial class BenchmarkJson : JsonSerializerContext;
