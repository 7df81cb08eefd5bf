using System.Text.Json.Serialization;
using Streaming.ClickHouse.Tests.Chdb;
using Streaming.Events;
using Streaming.Metrics.Bookings;

namespace Streaming.ClickHouse.Tests;

/// <summary>RowBinary written by our writer reads back from each ClickHouse exactly as written, for every type we use.</summary>
public abstract class RowBinaryTests(ClickHouseEngineFixture engine)
{
    private static readonly RowBinaryLayout<AllTypesRow> Layout = new(
        ["id", "u8", "u16", "u32", "u64", "i32", "i64", "f64", "dt", "s"],
        static (w, r) =>
        {
            w.UInt32(r.Id);
            w.UInt8(r.U8);
            w.UInt16(r.U16);
            w.UInt32(r.U32);
            w.UInt64(r.U64);
            w.Int32(r.I32);
            w.Int64(r.I64);
            w.Float64(r.F64);
            w.DateTime(DateTimeOffset.FromUnixTimeSeconds(r.DtUnix));
            w.String(r.S);
        });

    public static TheoryData<string> Strings => new()
    {
        "",
        "plain",
        "it's \"quoted\" and `back-quoted`",
        "back\\slash\\",
        "tab\tnew\nline\rcarriage\0nul",
        "서울 · 東京 · ünïcode · 🚀",
        "'; DROP TABLE x; --",
        new string('x', 127),
        new string('y', 128),
        string.Concat(Enumerable.Repeat("ü東", 6000)),
    };

    [Theory]
    [MemberData(nameof(Strings))]
    public async Task Every_column_type_round_trips(string text)
    {
        var client = await engine.CreateDatabaseAsync();
        await client.ExecuteAsync(
            "CREATE TABLE all_types (id UInt32, u8 UInt8, u16 UInt16, u32 UInt32, u64 UInt64, i32 Int32, i64 Int64, f64 Float64, " +
            "dt DateTime, s String, inserted_at DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY id");
        AllTypesRow[] rows =
        [
            new(1, 0, 0, 0, 0, 0, 0, 0.0, 0, text),
            new(2, byte.MaxValue, ushort.MaxValue, uint.MaxValue, ulong.MaxValue, int.MaxValue, long.MaxValue, double.MaxValue, uint.MaxValue, text + "!"),
            new(3, 1, 2, 3, 4, int.MinValue, long.MinValue, -0.1, 1795255200, text),
            new(4, 7, 300, 70_000, 5_000_000_000, -5, -5_000_000_000, 1e-300, 1, "last"),
        ];
        await client.InsertRowBinaryAsync("all_types", rows, Layout);

        var back = await client.QueryAsync(
            "SELECT id, u8, u16, u32, u64, i32, i64, f64, toUInt32(dt) AS dt_unix, s FROM all_types ORDER BY id", RowBinaryJson.Default.AllTypesRow);
        Assert.Equal(rows, back);
        Assert.Equal("4", await client.ScalarAsync("SELECT countIf(inserted_at > toDateTime(0)) FROM all_types"));
    }

    [Fact]
    public async Task Fleet_rows_land_in_their_columns_with_the_version_the_table_computes()
    {
        var client = await engine.CreateFleetDatabaseAsync();
        var minute = new DateTimeOffset(2026, 11, 21, 10, 7, 0, TimeSpan.Zero);
        // One insert each: both rows share the sorting key, and current ClickHouse would keep only the higher version of
        // the two within one insert (see ClickHouseEngineFixture.CollapsesDuplicatesOnInsert).
        foreach (var row in new[]
        {
            new BookingsPerMinute(minute, "city", "Busan's \"port\" 부산", "KRW", 2, 41, false, 3, 1, 150_000, -2_500),
            new BookingsPerMinute(minute, "city", "Busan's \"port\" 부산", "KRW", 2, 42, true, 4, 1, 200_000, -2_500),
        })
        {
            await client.InsertRowBinaryAsync(BookingsTable.Table, [row], BookingsTable.Rows);
        }

        var back = await client.QueryAsync(
            "SELECT toUInt32(window_start) AS window_start_unix, dimension, dimension_value, currency, source_partition, revision, provisional, " +
            $"version, bookings, cancellations, revenue_minor, cancelled_revenue_minor FROM {BookingsTable.Table} ORDER BY version",
            RowBinaryJson.Default.BookingsTableRow);
        Assert.Equal(
        [
            new BookingsTableRow(1795255620, "city", "Busan's \"port\" 부산", "KRW", 2, 41, 0, 83, 3, 1, 150_000, -2_500),
            new BookingsTableRow(1795255620, "city", "Busan's \"port\" 부산", "KRW", 2, 42, 1, 84, 4, 1, 200_000, -2_500),
        ], back);
    }
}

[Collection(ClickHouseCollection.Name)]
public sealed class RowBinaryOnServerTests(ClickHouseServerFixture engine) : RowBinaryTests(engine);

[Collection(ChdbCollection.Name)]
public sealed class RowBinaryOnChdbTests(ChdbFixture engine) : RowBinaryTests(engine);

public sealed record BookingsTableRow(
    long WindowStartUnix, string Dimension, string DimensionValue, string Currency, long SourcePartition, long Revision, int Provisional,
    long Version, long Bookings, long Cancellations, long RevenueMinor, long CancelledRevenueMinor);

public sealed record AllTypesRow(uint Id, byte U8, ushort U16, uint U32, ulong U64, int I32, long I64, double F64, uint DtUnix, string S);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AllTypesRow))]
[JsonSerializable(typeof(BookingsTableRow))]
internal sealed partial class RowBinaryJson : JsonSerializerContext;
