using System.Text.Json.Serialization;
using Streaming.ClickHouse.Tests.Chdb;

namespace Streaming.ClickHouse.Tests;

/// <summary>The fleet's client against each ClickHouse: literals, errors, inserts, migrations.</summary>
public abstract class ClickHouseClientTests(ClickHouseEngineFixture engine)
{
    [Theory]
    [InlineData("plain")]
    [InlineData("it's")]
    [InlineData("back\\slash\\")]
    [InlineData("'; DROP TABLE x; --")]
    [InlineData("\\'; SELECT 1; --")]
    [InlineData("line\nbreak\ttab\r\0nul")]
    [InlineData("서울 · 東京 · ünïcode")]
    public async Task Escaped_literals_round_trip_through_ClickHouse(string value)
    {
        var rows = await engine.Client.QueryAsync("SELECT " + Sql.String(value) + " AS text", TestJson.Default.TextRow);
        Assert.Equal(value, Assert.Single(rows).Text);
    }

    [Fact]
    public async Task Server_errors_carry_ClickHouse_own_text()
    {
        var error = await Assert.ThrowsAsync<ClickHouseException>(() => engine.Client.ExecuteAsync("SELECT no_such_column FROM system.one"));
        Assert.Contains("no_such_column", error.ServerText, StringComparison.Ordinal);
        Assert.InRange(error.StatusCode, 400, 599);
    }

    [Fact]
    public async Task Batched_inserts_read_back_as_typed_rows_and_migrations_apply_once()
    {
        var migrations = new[] { new Migration(1, "numbers", ["CREATE TABLE IF NOT EXISTS numbers (n UInt64, label String) ENGINE = MergeTree ORDER BY n"]) };
        Assert.Equal(1, await new SchemaMigrator(engine.Client).ApplyAsync(migrations));
        Assert.Equal(0, await new SchemaMigrator(engine.Client).ApplyAsync(migrations));

        var rows = Enumerable.Range(1, 5000).Select(i => new NumberRow(i, "n" + i)).ToList();
        await engine.Client.InsertAsync("numbers", rows, TestJson.Default.NumberRow);
        var back = await engine.Client.QueryAsync("SELECT n, label FROM numbers ORDER BY n", TestJson.Default.NumberRow);
        Assert.Equal(rows, back);
        Assert.Equal("12502500", await engine.Client.ScalarAsync("SELECT sum(n) FROM numbers"));
    }
}

/// <summary>What needs no ClickHouse at all.</summary>
public sealed class SqlLiteralTests
{
    [Theory]
    [InlineData("")]
    [InlineData("a-b")]
    [InlineData("x`; DROP")]
    [InlineData("1abc")]
    public void Identifiers_other_than_plain_names_are_refused(string name) =>
        Assert.Throws<ArgumentException>(() => Sql.Identifier(name));

    [Fact]
    public void DateTime_literals_are_time_zone_free() =>
        Assert.Equal("toDateTime(1795255200)", Sql.DateTime(new DateTimeOffset(2026, 11, 21, 19, 0, 0, TimeSpan.FromHours(9))));
}

[Collection(ClickHouseCollection.Name)]
public sealed class ClickHouseClientOnServerTests(ClickHouseServerFixture engine) : ClickHouseClientTests(engine);

[Collection(ChdbCollection.Name)]
public sealed class ClickHouseClientOnChdbTests(ChdbFixture engine) : ClickHouseClientTests(engine);

public sealed record TextRow(string Text);

public sealed record NumberRow(long N, string Label);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TextRow))]
[JsonSerializable(typeof(NumberRow))]
internal sealed partial class TestJson : JsonSerializerContext;
