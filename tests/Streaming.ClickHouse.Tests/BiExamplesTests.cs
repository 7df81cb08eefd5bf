using System.Globalization;
using System.Text.RegularExpressions;
using Streaming.ClickHouse.Tests.Chdb;
using Streaming.Events;
using Streaming.Metrics;
using Streaming.Metrics.Bookings;
using Streaming.Metrics.ConcurrentUsers;
using Streaming.Metrics.Popularity;

namespace Streaming.ClickHouse.Tests;

/// <summary>
/// The SQL examples of the docs (docs/bi.md, and the one the README's front page shows), read from the Markdown and run
/// exactly as written against known rows on each ClickHouse (through clickhouse-client on the 18.16 server, through chDB
/// on 26.x), so that the documentation can drift neither from the schema nor from what current ClickHouse accepts.
/// </summary>
public abstract class BiExamplesTests(ClickHouseEngineFixture engine)
{
    // Rows sit minutes away from every boundary the queries draw relative to now(), so the few seconds between
    // this clock and the server's when the query runs cannot move a row in or out.
    private readonly DateTimeOffset now = DateTimeOffset.UtcNow;

    [Fact]
    public async Task Concurrent_users_by_platform_over_the_last_24_hours()
    {
        var client = await engine.CreateFleetDatabaseAsync();
        ConcurrentUsersPerMinute Users(TimeSpan ago, string dimension, string value, int partition, long revision, long users) =>
            new(MinuteAgo(ago), dimension, value, partition, revision, false, users);
        await client.InsertRowBinaryAsync(ConcurrentUsersTable.Table, new[]
        {
            Users(TimeSpan.FromMinutes(10), "platform", "ios", 0, 5, 3),
            Users(TimeSpan.FromMinutes(10), "platform", "ios", 0, 4, 100), // superseded by revision 5
            Users(TimeSpan.FromMinutes(10), "platform", "ios", 1, 2, 4),
            Users(TimeSpan.FromMinutes(10), "platform", "android", 2, 2, 5),
            Users(TimeSpan.FromMinutes(10), "all", "", 0, 5, 12),
            Users(TimeSpan.FromMinutes(10), "country", "KR", 0, 5, 12),
            Users(TimeSpan.FromHours(3), "platform", "ios", 0, 1, 2),
            Users(TimeSpan.FromHours(25), "platform", "ios", 0, 1, 9), // older than 24 hours
        }, ConcurrentUsersTable.Rows);

        var output = await RunExampleAsync(client, "concurrent-users-by-platform");

        Assert.Equal(
        [
            $"{Format(MinuteAgo(TimeSpan.FromHours(3)))}\tios\t2",
            $"{Format(MinuteAgo(TimeSpan.FromMinutes(10)))}\tandroid\t5",
            $"{Format(MinuteAgo(TimeSpan.FromMinutes(10)))}\tios\t7",
        ], output);
    }

    [Fact]
    public async Task Top_20_products_of_the_last_hour()
    {
        var client = await engine.CreateFleetDatabaseAsync();
        var recent = MinuteAgo(TimeSpan.FromMinutes(10));
        var rows = new List<ProductPopularityPerMinute>
        {
            new(recent, "p-a", 0, 3, false, 10, 1, 1, 5.0),
            new(recent, "p-b", 0, 3, false, 4, 2, 0, 5.0),
            new(MinuteAgo(TimeSpan.FromMinutes(20)), "p-b", 1, 3, true, 2, 0, 1, 2.5),
            new(recent, "p-c", 2, 3, false, 1, 0, 0, 1.0),
            new(MinuteAgo(TimeSpan.FromHours(2)), "p-c", 2, 1, false, 100, 50, 20, 100.0), // older than an hour
        };
        rows.AddRange(Enumerable.Range(1, 25).Select(i => new ProductPopularityPerMinute(recent, $"p-x{i:00}", i % 3, 1, false, 1, 0, 0, 0.5)));
        await client.InsertRowBinaryAsync(PopularityTable.Table, rows, PopularityTable.Rows);

        var output = await RunExampleAsync(client, "top-products-last-hour");

        Assert.Equal(20, output.Count);
        Assert.Equal(["p-b\t6\t2\t1\t7.5", "p-a\t10\t1\t1\t5", "p-c\t1\t0\t0\t1", "p-x01\t1\t0\t0\t0.5"], output.Take(4));
        Assert.Equal("p-x17\t1\t0\t0\t0.5", output[^1]);
    }

    [Fact]
    public async Task Bookings_by_city_per_hour()
    {
        var client = await engine.CreateFleetDatabaseAsync();
        BookingsPerMinute City(TimeSpan ago, string city, string currency, int partition, long bookings, long cancellations, long revenue) =>
            new(MinuteAgo(ago), ResultDimensions.City, city, currency, partition, 7, false, bookings, cancellations, revenue, 0);
        var recent = TimeSpan.FromMinutes(10);
        var earlier = TimeSpan.FromHours(2);
        await client.InsertRowBinaryAsync(BookingsTable.Table, new[]
        {
            City(recent, "Seoul", "KRW", 0, 2, 0, 20_000),
            City(recent, "Seoul", "KRW", 1, 3, 0, 30_000),
            City(earlier, "Seoul", "KRW", 0, 4, 1, 40_000),
            City(earlier, "Busan", "JPY", 2, 1, 0, 5_000),
            City(TimeSpan.FromHours(30), "Seoul", "KRW", 0, 9, 0, 90_000), // before the 24 hours shown
            new(MinuteAgo(recent), ResultDimensions.Product, "tour-1", "KRW", 0, 7, false, 5, 0, 50_000, 0),
        }, BookingsTable.Rows);

        var output = await RunExampleAsync(client, "bookings-by-city-per-hour");

        Assert.Equal(
        [
            $"{Format(HourOf(earlier))}\tBusan\tJPY\t1\t0\t5000",
            $"{Format(HourOf(earlier))}\tSeoul\tKRW\t4\t1\t40000",
            $"{Format(HourOf(recent))}\tSeoul\tKRW\t5\t0\t50000",
        ], output);
    }

    private DateTimeOffset MinuteAgo(TimeSpan ago)
    {
        var t = now - ago;
        return new DateTimeOffset(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
    }

    private DateTimeOffset HourOf(TimeSpan ago)
    {
        var t = now - ago;
        return new DateTimeOffset(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerHour, TimeSpan.Zero);
    }

    private static string Format(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private Task<List<string>> RunExampleAsync(ClickHouseClient client, string name) =>
        engine.RunAsWrittenAsync(client, BiExamples.Read()[name]);
}

[Collection(ClickHouseCollection.Name)]
public sealed class BiExamplesOnServerTests(ClickHouseServerFixture engine) : BiExamplesTests(engine);

[Collection(ChdbCollection.Name)]
public sealed class BiExamplesOnChdbTests(ChdbFixture engine) : BiExamplesTests(engine);

/// <summary>
/// The docs' examples: each ```sql block that directly follows a <c>&lt;!-- bi-example: name --&gt;</c> marker in
/// README.md or a page of docs/. An example shown on two pages must be the same SQL on both, so one test covers both.
/// </summary>
public static partial class BiExamples
{
    public static Dictionary<string, string> Read()
    {
        var pages = Directory.GetFiles(RepositoryFolder.Path("docs"), "*.md").Order(StringComparer.Ordinal).Prepend(RepositoryFolder.Path("README.md"));
        var examples = new Dictionary<string, string>();
        foreach (var page in pages)
        {
            foreach (Match m in ExampleBlock().Matches(File.ReadAllText(page)))
            {
                var (name, sql) = (m.Groups["name"].Value, m.Groups["sql"].Value.Trim());
                if (examples.TryGetValue(name, out var shown) && shown != sql)
                {
                    throw new InvalidOperationException($"The BI example '{name}' differs in {Path.GetFileName(page)} from the page that showed it first.");
                }

                examples[name] = sql;
            }
        }

        return examples;
    }

    [GeneratedRegex(@"<!-- bi-example: (?<name>[a-z0-9-]+) -->\s*```sql\n(?<sql>.*?)```", RegexOptions.Singleline)]
    private static partial Regex ExampleBlock();
}

public sealed class BiExampleListTests
{
    [Fact]
    public void The_docs_have_exactly_the_examples_the_tests_check() =>
        Assert.Equal(["bookings-by-city-per-hour", "concurrent-users-by-platform", "top-products-last-hour"], BiExamples.Read().Keys.Order());
}
