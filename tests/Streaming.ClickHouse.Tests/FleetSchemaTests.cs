using System.Text.Json.Serialization;
using Streaming.ClickHouse.Tests.Chdb;
using Streaming.Events;
using Streaming.Metrics;
using Streaming.Metrics.Bookings;
using Streaming.Metrics.ConcurrentUsers;
using Streaming.Metrics.Popularity;
using Streaming.Metrics.Pushes;
using Streaming.Push.Contracts;
using Streaming.Metrics.RawEvents;

namespace Streaming.ClickHouse.Tests;

/// <summary>
/// The fleet's tables and views on each ClickHouse (18.16 and 26.x, see the classes at the end): every migration, versions,
/// partitions, duplicates, every view and rollup, raw events. The expected answers are the same for both.
/// </summary>
public abstract class FleetSchemaTests(ClickHouseEngineFixture engine)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Migrations_apply_once_and_survive_being_run_again()
    {
        var client = await engine.CreateDatabaseAsync();
        // A database at version 1 with the skeleton's table and a row in it, as the walking skeleton left it.
        await new SchemaMigrator(client).ApplyAsync(FleetSchema.Migrations.Take(1));
        await client.ExecuteAsync("INSERT INTO bookings_per_minute (window_start, product_id, currency, revision, bookings, revenue_minor) VALUES (toDateTime(1795255200), 'p', 'KRW', 1, 2, 300)");

        Assert.Equal(FleetSchema.Migrations.Count - 1, await new SchemaMigrator(client).ApplyAsync(FleetSchema.Migrations));
        Assert.Equal(0, await new SchemaMigrator(client).ApplyAsync(FleetSchema.Migrations));
        // As if two sinks started at once and both ran every migration after 1: each must tolerate a second run.
        await client.ExecuteAsync("TRUNCATE TABLE schema_migrations");
        await client.ExecuteAsync("INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, 'skeleton', now())");
        Assert.Equal(FleetSchema.Migrations.Count - 1, await new SchemaMigrator(client).ApplyAsync(FleetSchema.Migrations));

        var engines = (await client.QueryAsync(
                "SELECT name, engine FROM system.tables WHERE database = currentDatabase()", FleetJson.Default.TableRow))
            .ToDictionary(t => t.Name, t => t.Engine);
        Assert.All(FleetSchema.Tables, t => Assert.Equal("ReplacingMergeTree", engines[t]));
        Assert.All(FleetSchema.Views, v => Assert.Equal("View", engines[v]));
        Assert.Equal("0", await client.ScalarAsync($"SELECT count() FROM {BookingsTable.PerMinute}"));
    }

    [Fact]
    public async Task Bookings_view_sums_the_latest_version_of_each_partition_and_final_beats_provisional()
    {
        var client = await engine.CreateFleetDatabaseAsync();
        var seoul = (Dimension: ResultDimensions.City, Value: "Seoul");
        // Background merges would already collapse versions; the view must be right before any merge.
        await client.ExecuteAsync($"SYSTEM STOP MERGES {BookingsTable.Table}");
        // Several inserts in an order that puts late, lower versions after higher ones.
        await InsertBookings(client,
            Booking(T0, "p1", partition: 0, revision: 5, provisional: true, bookings: 7),
            Booking(T0, "p1", partition: 1, revision: 2, provisional: true, bookings: 10, revenue: 1000),
            Booking(T0, "p2", partition: 0, revision: 6, provisional: false, bookings: 30));
        await InsertBookings(client,
            Booking(T0, "p1", partition: 0, revision: 5, provisional: false, bookings: 8, cancellations: 1, revenue: 800, cancelledRevenue: 100),
            Booking(T0, "p1", partition: 2, revision: 7, provisional: false, bookings: 1, revenue: 10),
            Booking(T0, seoul.Value, partition: 0, revision: 1, provisional: false, bookings: 4, dimension: seoul.Dimension));
        await InsertBookings(client,
            Booking(T0, "p1", partition: 0, revision: 4, provisional: false, bookings: 100),
            Booking(T0, "p1", partition: 0, revision: 3, provisional: false, bookings: 5),
            // A duplicate of a row already written (a re-delivery): harmless.
            Booking(T0, "p1", partition: 2, revision: 7, provisional: false, bookings: 1, revenue: 10),
            Booking(T0.AddMinutes(1), "p1", partition: 1, revision: 9, provisional: false, bookings: 2),
            // A provisional result arriving after the final one of the same revision (re-delivered) loses.
            Booking(T0, "p2", partition: 0, revision: 6, provisional: true, bookings: 29));
        // Both orders within one insert, so that read order cannot pick the right row by luck.
        await InsertBookings(client,
            Booking(T0, "p3", partition: 0, revision: 6, provisional: true, bookings: 29),
            Booking(T0, "p3", partition: 0, revision: 6, provisional: false, bookings: 30),
            Booking(T0, "p4", partition: 0, revision: 6, provisional: false, bookings: 40),
            Booking(T0, "p4", partition: 0, revision: 6, provisional: true, bookings: 39));

        BookingsViewRow[] expected =
        [
            new(T0.ToUnixTimeSeconds(), "city", "Seoul", "KRW", 4, 0, 0, 0, 0),
            new(T0.ToUnixTimeSeconds(), "product", "p1", "KRW", 8 + 10 + 1, 1, 800 + 1000 + 10, 100, 1),
            new(T0.ToUnixTimeSeconds(), "product", "p2", "KRW", 30, 0, 0, 0, 0),
            new(T0.ToUnixTimeSeconds(), "product", "p3", "KRW", 30, 0, 0, 0, 0),
            new(T0.ToUnixTimeSeconds(), "product", "p4", "KRW", 40, 0, 0, 0, 0),
            new(T0.AddMinutes(1).ToUnixTimeSeconds(), "product", "p1", "KRW", 2, 0, 0, 0, 0),
        ];
        Assert.Equal(expected, await ReadBookingsView(client));
        // Nothing merged yet: 15 rows as inserted. Current ClickHouse already keeps only the highest version among rows of
        // one insert that share the sorting key (p1 partition 0 of the third insert, p3 and p4 of the fourth): 12.
        Assert.Equal(engine.CollapsesDuplicatesOnInsert ? "12" : "15", await client.ScalarAsync($"SELECT count() FROM {BookingsTable.Table}"));

        // Merged by ClickHouse, the table keeps exactly the rows the view chose.
        await client.ExecuteAsync($"SYSTEM START MERGES {BookingsTable.Table}");
        await client.ExecuteAsync($"OPTIMIZE TABLE {BookingsTable.Table} FINAL");
        Assert.Equal(expected, await ReadBookingsView(client));
        Assert.Equal("8", await client.ScalarAsync($"SELECT count() FROM {BookingsTable.Table}"));
    }

    [Fact]
    public async Task Concurrent_users_and_popularity_views_take_the_latest_version_per_partition()
    {
        var client = await engine.CreateFleetDatabaseAsync();
        await client.InsertRowBinaryAsync(ConcurrentUsersTable.Table, new[]
        {
            new ConcurrentUsersPerMinute(T0, "all", "", 0, 10, false, 40),
            new ConcurrentUsersPerMinute(T0, "all", "", 0, 12, true, 45),
            new ConcurrentUsersPerMinute(T0, "all", "", 1, 3, false, 5),
            new ConcurrentUsersPerMinute(T0, "all", "", 1, 3, true, 99),
            new ConcurrentUsersPerMinute(T0, "platform", "ios", 1, 3, false, 2),
        }, ConcurrentUsersTable.Rows);
        await client.InsertRowBinaryAsync(PopularityTable.Table, new[]
        {
            new ProductPopularityPerMinute(T0, "p1", 0, 1, true, 1, 0, 0, 1.0),
            new ProductPopularityPerMinute(T0, "p1", 0, 2, false, 3, 1, 1, 9.5),
            new ProductPopularityPerMinute(T0, "p1", 2, 8, false, 2, 0, 0, 2.0),
        }, PopularityTable.Rows);

        var users = await client.QueryAsync(
            $"SELECT toUInt32(minute) AS minute_unix, dimension, dimension_value, users, provisional FROM {ConcurrentUsersTable.PerMinute} ORDER BY dimension, dimension_value",
            FleetJson.Default.UsersViewRow);
        Assert.Equal(
            [new UsersViewRow(T0.ToUnixTimeSeconds(), "all", "", 45 + 5, 1), new UsersViewRow(T0.ToUnixTimeSeconds(), "platform", "ios", 2, 0)],
            users);
        var popularity = await client.QueryAsync(
            $"SELECT toUInt32(minute) AS minute_unix, product_id, views, wishlists, bookings, score, provisional FROM {PopularityTable.PerMinute}",
            FleetJson.Default.PopularityViewRow);
        Assert.Equal([new PopularityViewRow(T0.ToUnixTimeSeconds(), "p1", 5, 1, 1, 11.5, 0)], popularity);
    }

    [Fact]
    public async Task Migrating_to_incarnations_keeps_every_row_and_a_new_incarnation_adds_to_the_old_one()
    {
        var client = await engine.CreateDatabaseAsync();
        await new SchemaMigrator(client).ApplyAsync(FleetSchema.Migrations.Where(m => m.Version <= 2));
        // Rows written before incarnations existed (no incarnation column yet).
        await client.ExecuteAsync(
            $"INSERT INTO {BookingsTable.Table} (window_start, dimension, dimension_value, currency, source_partition, revision, provisional, bookings) " +
            $"VALUES ({Sql.DateTime(T0)}, 'product', 'p1', 'KRW', 0, 900, 0, 5)");
        await new SchemaMigrator(client).ApplyAsync(FleetSchema.Migrations);
        await client.ExecuteAsync($"SYSTEM STOP MERGES {BookingsTable.Table}");

        // The input restarted (a recreated topic, a local Kafka that keeps nothing): the new incarnation's revisions
        // are lower than the old one's, for the same minute, product and partition; and the old incarnation corrects too.
        await InsertBookings(client,
            Booking(T0, "p1", partition: 0, revision: 3, provisional: false, bookings: 2) with { Incarnation = 1_800_000_000_000 },
            Booking(T0, "p1", partition: 0, revision: 7, provisional: false, bookings: 4) with { Incarnation = 1_800_000_000_000 },
            Booking(T0, "p1", partition: 0, revision: 5, provisional: false, bookings: 99) with { Incarnation = 1_800_000_000_000 });
        await client.InsertRowBinaryAsync(ConcurrentUsersTable.Table, new[]
        {
            new ConcurrentUsersPerMinute(T0, "all", "", 0, 50, false, 10),
            new ConcurrentUsersPerMinute(T0, "all", "", 0, 2, false, 3, Incarnation: 7),
        }, ConcurrentUsersTable.Rows);
        await client.InsertRowBinaryAsync(PopularityTable.Table, new[]
        {
            new ProductPopularityPerMinute(T0, "p1", 1, 80, false, 4, 0, 0, 4.0),
            new ProductPopularityPerMinute(T0, "p1", 1, 1, false, 1, 0, 0, 1.0, Incarnation: 7),
        }, PopularityTable.Rows);

        var expected = new BookingsViewRow(T0.ToUnixTimeSeconds(), "product", "p1", "KRW", 5 + 4, 0, 0, 0, 0);
        Assert.Equal([expected], await ReadBookingsView(client));
        Assert.Equal("13", await client.ScalarAsync($"SELECT users FROM {ConcurrentUsersTable.PerMinute}"));
        Assert.Equal("5\t5", await client.ScalarAsync($"SELECT views, score FROM {PopularityTable.PerMinute}"));

        // Merges keep the latest version of each incarnation: nothing the old incarnation counted is erased.
        await client.ExecuteAsync($"SYSTEM START MERGES {BookingsTable.Table}");
        await client.ExecuteAsync($"OPTIMIZE TABLE {BookingsTable.Table} FINAL");
        await client.ExecuteAsync($"OPTIMIZE TABLE {ConcurrentUsersTable.Table} FINAL");
        Assert.Equal([expected], await ReadBookingsView(client));
        Assert.Equal("2", await client.ScalarAsync($"SELECT count() FROM {BookingsTable.Table}"));
        Assert.Equal("13", await client.ScalarAsync($"SELECT users FROM {ConcurrentUsersTable.PerMinute}"));
    }

    [Fact]
    public async Task Hourly_and_daily_rollups_add_up_the_minute_views()
    {
        var client = await engine.CreateFleetDatabaseAsync();
        DateTimeOffset[] minutes = [T0, T0.AddMinutes(1), T0.AddMinutes(59), T0.AddMinutes(65), T0.AddHours(14).AddMinutes(30)];
        await InsertBookings(client, [.. minutes.Select((m, i) => Booking(m, "p1", partition: i % 3, revision: 1, provisional: false, bookings: i + 1, revenue: 100 * (i + 1)))]);
        // The first minute has a provisional partial of a second partition and a superseded version.
        await InsertBookings(client,
            Booking(T0, "p1", partition: 1, revision: 4, provisional: true, bookings: 10),
            Booking(T0, "p1", partition: 0, revision: 0, provisional: false, bookings: 1000));
        long[] usersPerMinute = [3, 7, 5, 4, 6];
        await client.InsertRowBinaryAsync(ConcurrentUsersTable.Table,
            [.. minutes.Select((m, i) => new ConcurrentUsersPerMinute(m, "all", "", 0, 1, false, usersPerMinute[i]))], ConcurrentUsersTable.Rows);
        await client.InsertRowBinaryAsync(PopularityTable.Table,
            [.. minutes.Select((m, i) => new ProductPopularityPerMinute(m, "p1", 0, 1, false, 10, 1, i, 0.25 * i))], PopularityTable.Rows);

        var hourly = await client.QueryAsync(
            $"SELECT toUInt32(hour) AS period_unix, bookings, revenue_minor, provisional FROM {BookingsTable.PerHour} WHERE dimension = 'product' ORDER BY hour",
            FleetJson.Default.BookingsRollupRow);
        Assert.Equal(
        [
            new BookingsRollupRow(T0.ToUnixTimeSeconds(), 1 + 2 + 3 + 10, 600, 1),
            new BookingsRollupRow(T0.AddHours(1).ToUnixTimeSeconds(), 4, 400, 0),
            new BookingsRollupRow(T0.AddHours(14).ToUnixTimeSeconds(), 5, 500, 0),
        ], hourly);
        var daily = await client.QueryAsync(
            $"SELECT toUInt32(toDateTime(day)) AS period_unix, bookings, revenue_minor, provisional FROM {BookingsTable.PerDay} ORDER BY day",
            FleetJson.Default.BookingsRollupRow);
        var day = new DateTimeOffset(T0.Date, TimeSpan.Zero);
        Assert.Equal([new BookingsRollupRow(day.ToUnixTimeSeconds(), 16 + 4, 1000, 1), new BookingsRollupRow(day.AddDays(1).ToUnixTimeSeconds(), 5, 500, 0)], daily);

        var usersHourly = await client.QueryAsync(
            $"SELECT toUInt32(hour) AS period_unix, peak_users, avg_users, minutes FROM {ConcurrentUsersTable.PerHour} ORDER BY hour",
            FleetJson.Default.UsersRollupRow);
        Assert.Equal(new UsersRollupRow(T0.ToUnixTimeSeconds(), 7, 5.0, 3), usersHourly[0]);
        Assert.Equal(3, usersHourly.Count);
        var usersDaily = await client.QueryAsync(
            $"SELECT toUInt32(toDateTime(day)) AS period_unix, peak_users, avg_users, minutes FROM {ConcurrentUsersTable.PerDay} ORDER BY day",
            FleetJson.Default.UsersRollupRow);
        Assert.Equal([new UsersRollupRow(day.ToUnixTimeSeconds(), 7, 4.75, 4), new UsersRollupRow(day.AddDays(1).ToUnixTimeSeconds(), 6, 6.0, 1)], usersDaily);

        Assert.Equal("30\t3\t3\t0.75", await client.ScalarAsync(
            $"SELECT views, wishlists, bookings, score FROM {PopularityTable.PerHour} WHERE hour = {Sql.DateTime(T0)}"));
        Assert.Equal("10\t1\t4\t1", await client.ScalarAsync(
            $"SELECT views, wishlists, bookings, score FROM {PopularityTable.PerDay} WHERE day = toDate({Sql.DateTime(day.AddDays(1))})"));
    }

    [Fact]
    public async Task Redelivered_raw_events_collapse_to_one_row()
    {
        var client = await engine.CreateFleetDatabaseAsync();
        var events = Enumerable.Range(0, 50).Select(i => new AppEvent(
            "e-" + i, i % 2 == 0 ? EventTypes.ProductView : EventTypes.BookingConfirmed, "u" + (i % 7), "s" + (i % 7),
            "p" + (i % 5), T0.AddSeconds(i * 13), "ios", "KR", i % 3 == 0 ? null : "Seoul",
            i % 2 == 0 ? null : 1000 + i, i % 2 == 0 ? null : "KRW", T0.AddSeconds(i * 13 + 1), i % 4 == 0 ? null : "tours")).ToList();
        await client.InsertRowBinaryAsync(RawEventsTable.Table, events, RawEventsTable.Rows);
        // Kafka re-delivers a stretch after a crash, and a client retries a request (same event, later arrival).
        await client.InsertRowBinaryAsync(RawEventsTable.Table, events.Skip(20).Take(20).ToList(), RawEventsTable.Rows);
        await client.InsertRowBinaryAsync(RawEventsTable.Table, [events[3] with { ReceivedAt = T0.AddHours(1) }], RawEventsTable.Rows);
        // Different users may use the same event id: both stay.
        await client.InsertRowBinaryAsync(RawEventsTable.Table, [events[4] with { UserId = "someone-else" }], RawEventsTable.Rows);

        Assert.Equal("72", await client.ScalarAsync($"SELECT count() FROM {RawEventsTable.Table}"));
        await client.ExecuteAsync($"OPTIMIZE TABLE {RawEventsTable.Table} FINAL");
        Assert.Equal("51\t51", await client.ScalarAsync($"SELECT count(), uniqExact(user_id, event_id) FROM {RawEventsTable.Table}"));
        Assert.Equal("e-1\tbooking_confirmed\tu1\tp1\tSeoul\ttours\t1001\tKRW", await client.ScalarAsync(
            $"SELECT event_id, type, user_id, product_id, city, category, amount, currency FROM {RawEventsTable.Table} WHERE event_id = 'e-1'"));
        Assert.Equal("e-0\t\t\t0\t", await client.ScalarAsync(
            $"SELECT event_id, city, category, amount, currency FROM {RawEventsTable.Table} WHERE event_id = 'e-0'"));
    }

    [Fact]
    public async Task Push_decisions_keep_one_row_per_push_and_outcome_and_the_hourly_view_counts_pushes_per_rule()
    {
        var client = await engine.CreateFleetDatabaseAsync();
        PushDecisionRecord Row(string id, string rule, string outcome, int minutes) =>
            new(id, "u-" + id, "p1", rule, "wishlist_selling_fast", outcome, "why", T0.AddMinutes(minutes), T0.AddMinutes(minutes));
        List<PushDecisionRecord> rows =
        [
            Row("a", "fast", PushOutcomes.Sent, 1),
            Row("b", "fast", PushOutcomes.Held, 2),
            Row("b", "fast", PushOutcomes.Sent, 70), // the held push, sent the next hour
            Row("c", "fast", PushOutcomes.Suppressed, 3),
            Row("d", "viewed", PushOutcomes.Sent, 4),
        ];
        await client.InsertRowBinaryAsync(PushDecisionsTable.Table, rows, PushDecisionsTable.Rows);
        // Published again after a crash of the trigger: same push id and outcome.
        await client.InsertRowBinaryAsync(PushDecisionsTable.Table, rows.Take(2).ToList(), PushDecisionsTable.Rows);

        Assert.Equal("5", await client.ScalarAsync($"SELECT count() FROM {PushDecisionsTable.Table} FINAL"));
        Assert.Equal(
            "10:fast:held:1,10:fast:sent:1,10:fast:suppressed:1,10:viewed:sent:1,11:fast:sent:1",
            await client.ScalarAsync($"SELECT arrayStringConcat(groupArray(concat(toString(toHour(hour)), ':', rule, ':', outcome, ':', toString(pushes))), ',') FROM (SELECT hour, rule, outcome, pushes FROM {PushDecisionsTable.PerRuleHour} ORDER BY hour, rule, outcome)"));
    }

    private static BookingsPerMinute Booking(
        DateTimeOffset minute, string value, int partition, long revision, bool provisional, long bookings,
        long cancellations = 0, long revenue = 0, long cancelledRevenue = 0, string dimension = ResultDimensions.Product) =>
        new(minute, dimension, value, "KRW", partition, revision, provisional, bookings, cancellations, revenue, cancelledRevenue);

    private static Task InsertBookings(ClickHouseClient client, params BookingsPerMinute[] rows) =>
        client.InsertRowBinaryAsync(BookingsTable.Table, rows, BookingsTable.Rows);

    private static async Task<List<BookingsViewRow>> ReadBookingsView(ClickHouseClient client) =>
        await client.QueryAsync(
            $"""
            SELECT toUInt32(minute) AS minute_unix, dimension, dimension_value, currency,
                   bookings, cancellations, revenue_minor, cancelled_revenue_minor, provisional
            FROM {BookingsTable.PerMinute}
            ORDER BY minute, dimension, dimension_value, currency
            """,
            FleetJson.Default.BookingsViewRow);
}

[Collection(ClickHouseCollection.Name)]
public sealed class FleetSchemaOnServerTests(ClickHouseServerFixture engine) : FleetSchemaTests(engine);

[Collection(ChdbCollection.Name)]
public sealed class FleetSchemaOnChdbTests(ChdbFixture engine) : FleetSchemaTests(engine);

public sealed record TableRow(string Name, string Engine);

public sealed record BookingsViewRow(
    long MinuteUnix, string Dimension, string DimensionValue, string Currency,
    long Bookings, long Cancellations, long RevenueMinor, long CancelledRevenueMinor, int Provisional);

public sealed record UsersViewRow(long MinuteUnix, string Dimension, string DimensionValue, long Users, int Provisional);

public sealed record PopularityViewRow(long MinuteUnix, string ProductId, long Views, long Wishlists, long Bookings, double Score, int Provisional);

public sealed record BookingsRollupRow(long PeriodUnix, long Bookings, long RevenueMinor, int Provisional);

public sealed record UsersRollupRow(long PeriodUnix, long PeakUsers, double AvgUsers, long Minutes);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TableRow))]
[JsonSerializable(typeof(BookingsViewRow))]
[JsonSerializable(typeof(UsersViewRow))]
[JsonSerializable(typeof(PopularityViewRow))]
[JsonSerializable(typeof(BookingsRollupRow))]
[JsonSerializable(typeof(UsersRollupRow))]
internal sealed partial class FleetJson : JsonSerializerContext;
