using System.Globalization;
using System.Text.Json.Serialization;
using Streaming.ClickHouse;
using Streaming.DevHost.Simulation;
using Streaming.Events;
using Streaming.Metrics.Bookings;
using Streaming.Metrics.ConcurrentUsers;
using Streaming.Metrics.Popularity;

namespace Streaming.DevHost.Truth;

/// <summary>
/// The three per-minute views as lines of text ("users|minute|dimension|value|users|provisional", "bookings|…",
/// "popularity|…"): what the input events mean, computed from them alone, and what ClickHouse shows, so that the two
/// compare as sets. Used by the crash tests and by `./run chaos`.
/// </summary>
public static class ViewLines
{
    /// <summary>The views' rows the input means, each (user_id, event_id) once (the first copy), none provisional.</summary>
    public static HashSet<string> Expected(IEnumerable<AppEvent> input)
    {
        var events = input.DistinctBy(e => (e.UserId, e.EventId)).ToList();
        var lines = new HashSet<string>(StringComparer.Ordinal);
        static long M(AppEvent e) => MinuteOf(e.OccurredAt).ToUnixTimeSeconds();
        foreach (var g in events.GroupBy(M))
        {
            lines.Add($"users|{g.Key}|all||{g.Select(e => e.UserId).Distinct().Count()}|0");
            foreach (var p in g.GroupBy(e => e.Platform))
            {
                lines.Add($"users|{g.Key}|platform|{p.Key}|{p.Select(e => e.UserId).Distinct().Count()}|0");
            }

            foreach (var c in g.GroupBy(e => e.Country))
            {
                lines.Add($"users|{g.Key}|country|{c.Key}|{c.Select(e => e.UserId).Distinct().Count()}|0");
            }
        }

        var bookings = events.Where(e => e.Type is EventTypes.BookingConfirmed or EventTypes.BookingCancelled).ToList();
        foreach (var (dimension, value) in new (string, Func<AppEvent, string>)[] { ("product", e => e.ProductId!), ("category", e => e.Category!), ("city", e => e.City!) })
        {
            foreach (var g in bookings.GroupBy(e => (M(e), value(e), e.Currency)))
            {
                var confirmed = g.Where(e => e.Type == EventTypes.BookingConfirmed).ToList();
                var cancelled = g.Where(e => e.Type == EventTypes.BookingCancelled).ToList();
                lines.Add($"bookings|{g.Key.Item1}|{dimension}|{g.Key.Item2}|{g.Key.Currency}|{confirmed.Count}|{cancelled.Count}|{confirmed.Sum(e => e.Amount)}|{cancelled.Sum(e => e.Amount)}|0");
            }
        }

        foreach (var g in events.Where(e => e.Type is EventTypes.ProductView or EventTypes.WishlistAdd or EventTypes.BookingConfirmed).GroupBy(e => (M(e), e.ProductId)))
        {
            var (views, wishlists, booked) = (g.Count(e => e.Type == EventTypes.ProductView), g.Count(e => e.Type == EventTypes.WishlistAdd), g.Count(e => e.Type == EventTypes.BookingConfirmed));
            lines.Add($"popularity|{g.Key.Item1}|{g.Key.ProductId}|{views}|{wishlists}|{booked}|{views + (5 * wishlists) + (20 * booked)}|0");
        }

        return lines;
    }

    /// <summary>Every row of the three per-minute views whose minute matches <paramref name="range"/> (SQL over <c>minute</c>), as lines.</summary>
    public static async Task<List<string>> ReadAsync(ClickHouseClient clickHouse, string range, CancellationToken cancellationToken = default) =>
        [.. (await clickHouse.QueryAsync(
                $"SELECT concat('users|', toString(toUInt32(minute)), '|', dimension, '|', dimension_value, '|', toString(users), '|', toString(provisional)) AS line " +
                $"FROM {ConcurrentUsersTable.PerMinute} WHERE users > 0 AND {range} " +
                $"UNION ALL SELECT concat('bookings|', toString(toUInt32(minute)), '|', dimension, '|', dimension_value, '|', currency, '|', toString(bookings), '|', " +
                $"toString(cancellations), '|', toString(revenue_minor), '|', toString(cancelled_revenue_minor), '|', toString(provisional)) AS line FROM {BookingsTable.PerMinute} WHERE {range} " +
                $"UNION ALL SELECT concat('popularity|', toString(toUInt32(minute)), '|', product_id, '|', toString(views), '|', toString(wishlists), '|', toString(bookings), '|', " +
                $"toString(score), '|', toString(provisional)) AS line FROM {PopularityTable.PerMinute} WHERE {range}",
                TruthJson.Default.ViewLine,
                cancellationToken))
            .Select(r => r.Line)];

    /// <summary>
    /// The hourly rollups' rows that <paramref name="minuteLines"/> (from <see cref="Expected"/>) mean: bookings and
    /// popularity summed per hour, and each users series' peak (the rollup's minute count and average also count the
    /// explicit zeros of idle minutes, which the minute lines leave out).
    /// </summary>
    public static HashSet<string> ExpectedHourly(IEnumerable<string> minuteLines)
    {
        var fields = minuteLines.Select(l => l.Split('|')).ToList();
        static long Hour(string minute) => long.Parse(minute, CultureInfo.InvariantCulture) / 3600 * 3600;
        static long N(string value) => long.Parse(value, CultureInfo.InvariantCulture);
        var lines = new HashSet<string>(StringComparer.Ordinal);
        foreach (var g in fields.Where(f => f[0] == "users").GroupBy(f => (Hour(f[1]), f[2], f[3])))
        {
            lines.Add($"users-hour|{g.Key.Item1}|{g.Key.Item2}|{g.Key.Item3}|{g.Max(f => N(f[4]))}");
        }

        foreach (var g in fields.Where(f => f[0] == "bookings").GroupBy(f => (Hour(f[1]), f[2], f[3], f[4])))
        {
            lines.Add($"bookings-hour|{g.Key.Item1}|{g.Key.Item2}|{g.Key.Item3}|{g.Key.Item4}|{g.Sum(f => N(f[5]))}|{g.Sum(f => N(f[6]))}|{g.Sum(f => N(f[7]))}|{g.Sum(f => N(f[8]))}|0");
        }

        foreach (var g in fields.Where(f => f[0] == "popularity").GroupBy(f => (Hour(f[1]), f[2])))
        {
            lines.Add($"popularity-hour|{g.Key.Item1}|{g.Key.Item2}|{g.Sum(f => N(f[3]))}|{g.Sum(f => N(f[4]))}|{g.Sum(f => N(f[5]))}|{g.Sum(f => N(f[6]))}|0");
        }

        return lines;
    }

    /// <summary>Every row of the three hourly rollups (users: the peak of each series that had users), as lines.</summary>
    public static async Task<List<string>> ReadHourlyAsync(ClickHouseClient clickHouse, CancellationToken cancellationToken = default) =>
        [.. (await clickHouse.QueryAsync(
                $"SELECT concat('users-hour|', toString(toUInt32(hour)), '|', dimension, '|', dimension_value, '|', toString(peak_users)) AS line " +
                $"FROM {ConcurrentUsersTable.PerHour} WHERE peak_users > 0 " +
                $"UNION ALL SELECT concat('bookings-hour|', toString(toUInt32(hour)), '|', dimension, '|', dimension_value, '|', currency, '|', toString(bookings), '|', " +
                $"toString(cancellations), '|', toString(revenue_minor), '|', toString(cancelled_revenue_minor), '|', toString(provisional)) AS line FROM {BookingsTable.PerHour} " +
                $"UNION ALL SELECT concat('popularity-hour|', toString(toUInt32(hour)), '|', product_id, '|', toString(views), '|', toString(wishlists), '|', toString(bookings), '|', " +
                $"toString(score), '|', toString(provisional)) AS line FROM {PopularityTable.PerHour}",
                TruthJson.Default.ViewLine,
                cancellationToken))
            .Select(r => r.Line)];

    /// <summary>What is missing, unexpected, or shown twice, against <paramref name="expected"/>.</summary>
    public static List<string> Differences(HashSet<string> expected, IReadOnlyList<string> seen)
    {
        var lines = seen.ToHashSet(StringComparer.Ordinal);
        return [.. expected.Except(lines).Order(StringComparer.Ordinal).Select(l => "missing " + l)
            .Concat(lines.Except(expected).Order(StringComparer.Ordinal).Select(l => "unexpected " + l))
            .Concat(seen.GroupBy(l => l).Where(g => g.Count() > 1).Select(g => "twice " + g.Key))];
    }

    /// <summary>The booking events a CDC table's outcomes mean, as the translator writes them (ids: booking id and status).</summary>
    public static IEnumerable<AppEvent> BookingEvents(IEnumerable<BookingOutcome> outcomes) => outcomes.Select(o => new AppEvent(
        $"booking:{o.BookingId}:{(o.Type == EventTypes.BookingConfirmed ? "confirmed" : "cancelled")}", o.Type, (string)o.Row["user_id"]!, "", o.ProductId, o.At,
        (string)o.Row["platform"]!, (string)o.Row["country"]!, (string?)o.Row["city"], o.Amount, o.Currency, o.At, (string?)o.Row["category"]));

    public static DateTimeOffset MinuteOf(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
}

/// <summary>One line of <see cref="ViewLines.ReadAsync"/>.</summary>
public sealed record ViewLine(string Line);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ViewLine))]
internal sealed partial class TruthJson : JsonSerializerContext;
