using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.DevHost.Fleet;
using Streaming.DevHost.Truth;
using Streaming.Events;
using Streaming.Metrics.Pushes;
using Streaming.Metrics.RawEvents;
using Streaming.Push.Contracts;

namespace Streaming.DevHost.Chaos;

/// <summary>One check of the fleet against the truth: exact or not, a one-line summary, and the first differences.</summary>
public sealed record CheckResult(string Name, bool Exact, string Summary, IReadOnlyList<string> Differences);

/// <summary>
/// What the fleet must show once it has settled, against the events the apps had accepted: every row of the three
/// per-minute views (none provisional) and of their hourly rollups, every event once in events_raw, every product's live profile through the
/// gateway, and every push decided as sent at the receiver once by Idempotency-Key (none it did not decide, none the
/// caps forbid, none failed).
/// </summary>
public sealed class ChaosChecks(LocalFleet fleet, IReadOnlyCollection<AppEvent> accepted)
{
    /// <summary>The push trigger's default caps (PushTrigger:MaxPerLocalDay, PushTrigger:MinGap).</summary>
    private const int MaxPushesPerLocalDay = 3;
    private static readonly TimeSpan MinGapBetweenPushes = TimeSpan.FromHours(1);

    private readonly List<AppEvent> events = [.. accepted.DistinctBy(e => (e.UserId, e.EventId))];

    /// <summary>Runs every check until all are exact or <paramref name="timeout"/> has passed; returns the last results.</summary>
    public async Task<IReadOnlyList<CheckResult>> UntilExactAsync(TimeSpan timeout, Action<string> progress, CancellationToken cancellationToken)
    {
        using var clickHouseHttp = new HttpClient();
        var options = fleet.ClickHouseOptions;
        options.TimeoutSeconds = 30;
        var clickHouse = new ClickHouseClient(clickHouseHttp, Options.Create(options));
        using var gateway = new HttpClient { BaseAddress = new Uri(fleet.GatewayUrl), Timeout = TimeSpan.FromSeconds(10) };
        var expectedViews = ViewLines.Expected(events);
        var expectedRollups = ViewLines.ExpectedHourly(expectedViews);
        var deadline = DateTimeOffset.UtcNow + timeout;
        var round = 0;
        while (true)
        {
            round++;
            var results = new List<CheckResult>
            {
                await GuardedAsync("views", () => ViewsAsync(clickHouse, expectedViews, cancellationToken)),
                await GuardedAsync("rollups", () => RollupsAsync(clickHouse, expectedRollups, cancellationToken)),
                await GuardedAsync("events_raw", () => RawEventsAsync(clickHouse, cancellationToken)),
                await GuardedAsync("profiles", () => ProfilesAsync(gateway, cancellationToken)),
                await GuardedAsync("pushes", () => PushesAsync(clickHouse, cancellationToken)),
            };
            if (results.TrueForAll(r => r.Exact) || DateTimeOffset.UtcNow >= deadline)
            {
                return results;
            }

            if (round % 6 == 1)
            {
                progress("settling: " + string.Join("; ", results.Select(r => $"{r.Name} {(r.Exact ? "exact" : r.Summary)}")));
            }

            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        }
    }

    private static async Task<CheckResult> GuardedAsync(string name, Func<Task<CheckResult>> check)
    {
        try
        {
            return await check();
        }
        catch (Exception ex) when (ex is HttpRequestException or ClickHouseException or JsonException or TaskCanceledException)
        {
            return new CheckResult(name, false, $"could not be read ({ex.GetType().Name}: {ex.Message})", []);
        }
    }

    private static async Task<CheckResult> ViewsAsync(ClickHouseClient clickHouse, HashSet<string> expected, CancellationToken cancellationToken)
    {
        var seen = await ViewLines.ReadAsync(clickHouse, "1 = 1", cancellationToken);
        var differences = ViewLines.Differences(expected, seen);
        return new CheckResult("views", differences.Count == 0,
            string.Create(CultureInfo.InvariantCulture, $"{expected.Count:N0} rows expected, {seen.Count:N0} seen, {differences.Count} differences"), differences);
    }

    private static async Task<CheckResult> RollupsAsync(ClickHouseClient clickHouse, HashSet<string> expected, CancellationToken cancellationToken)
    {
        var seen = await ViewLines.ReadHourlyAsync(clickHouse, cancellationToken);
        var differences = ViewLines.Differences(expected, seen);
        return new CheckResult("rollups", differences.Count == 0,
            string.Create(CultureInfo.InvariantCulture, $"{expected.Count:N0} hourly rows expected, {seen.Count:N0} seen, {differences.Count} differences"), differences);
    }

    private async Task<CheckResult> RawEventsAsync(ClickHouseClient clickHouse, CancellationToken cancellationToken)
    {
        var table = Sql.Identifier(RawEventsTable.Table);
        var rows = long.Parse(await clickHouse.ScalarAsync($"SELECT toString(count()) FROM {table} FINAL", cancellationToken) ?? "0", CultureInfo.InvariantCulture);
        var distinct = long.Parse(await clickHouse.ScalarAsync($"SELECT toString(uniqExact(user_id, event_id)) FROM {table}", cancellationToken) ?? "0", CultureInfo.InvariantCulture);
        var exact = rows == events.Count && distinct == events.Count;
        return new CheckResult("events_raw", exact,
            string.Create(CultureInfo.InvariantCulture, $"{events.Count:N0} accepted, {distinct:N0} distinct stored, {rows:N0} rows after deduplication"), []);
    }

    private async Task<CheckResult> ProfilesAsync(HttpClient gateway, CancellationToken cancellationToken)
    {
        // The hour counts hold only while every event is within the last hour (with a margin for the check itself).
        var withinHour = events.Count == 0 || events.Min(e => e.OccurredAt) > DateTimeOffset.UtcNow.AddMinutes(-55);
        var differences = new List<string>();
        var products = events.Where(e => e.ProductId is not null).GroupBy(e => e.ProductId!).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        using var parallel = new SemaphoreSlim(8);
        await Task.WhenAll(products.Select(async product =>
        {
            await parallel.WaitAsync(cancellationToken);
            try
            {
                var found = await ProfileDifferencesAsync(gateway, product.Key, product.ToList(), withinHour, cancellationToken);
                lock (differences)
                {
                    differences.AddRange(found);
                }
            }
            finally
            {
                parallel.Release();
            }
        }));
        differences.Sort(StringComparer.Ordinal);
        return new CheckResult("profiles", differences.Count == 0,
            string.Create(CultureInfo.InvariantCulture, $"{products.Count} products{(withinHour ? "" : " (24 h counts only)")}, {differences.Count} differences"), differences);
    }

    private static async Task<List<string>> ProfileDifferencesAsync(HttpClient gateway, string product, List<AppEvent> ofProduct, bool withinHour, CancellationToken cancellationToken)
    {
        long Count(string type) => ofProduct.Count(e => e.Type == type);
        var expected = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            ["wishlists_last_24h"] = Count(EventTypes.WishlistAdd),
            ["bookings_last_24h"] = Count(EventTypes.BookingConfirmed),
            ["cancellations_last_24h"] = Count(EventTypes.BookingCancelled),
        };
        if (withinHour)
        {
            expected["views_last_hour"] = Count(EventTypes.ProductView);
            expected["bookings_last_hour"] = Count(EventTypes.BookingConfirmed);
        }

        using var response = await gateway.GetAsync($"/v1/products/{Uri.EscapeDataString(product)}/live", cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return [$"{product}: HTTP {(int)response.StatusCode}"];
        }

        using var profile = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return [.. expected
            .Where(e => profile.RootElement.GetProperty(e.Key).GetInt64() != e.Value)
            .Select(e => string.Create(CultureInfo.InvariantCulture, $"{product} {e.Key}: {profile.RootElement.GetProperty(e.Key).GetInt64()}, expected {e.Value}"))];
    }

    private async Task<CheckResult> PushesAsync(ClickHouseClient clickHouse, CancellationToken cancellationToken)
    {
        var decided = (await clickHouse.QueryAsync(
                $"SELECT push_id, groupUniqArray(outcome) AS outcomes FROM {Sql.Identifier(PushDecisionsTable.Table)} GROUP BY push_id",
                ChaosJson.Default.PushOutcomesRow, cancellationToken))
            .ToDictionary(r => r.PushId, r => r.Outcomes, StringComparer.Ordinal);
        var received = fleet.PushReceiver.Pushes;
        // A failed push (dead-lettered after its attempts) is a difference of its own, whether or not a late answer hid a delivery.
        var failed = decided.Where(d => d.Value.Contains(PushOutcomes.Failed)).Select(d => d.Key).ToHashSet(StringComparer.Ordinal);
        var due = decided.Where(d => d.Value.Contains(PushOutcomes.Sent) && !d.Value.Contains(PushOutcomes.Expired) && !failed.Contains(d.Key))
            .Select(d => d.Key).ToHashSet(StringComparer.Ordinal);
        var differences = new List<string>();
        differences.AddRange(failed.Order(StringComparer.Ordinal).Select(id => $"push {id}: failed after its attempts ({(received.ContainsKey(id) ? "received all the same" : "never received")})"));
        differences.AddRange(due.Where(id => !received.ContainsKey(id)).Order(StringComparer.Ordinal).Select(id => $"push {id}: decided sent, never received"));
        differences.AddRange(received.Keys.Where(id => !due.Contains(id) && !failed.Contains(id)).Order(StringComparer.Ordinal)
            .Select(id => $"push {id}: received, decided {(decided.TryGetValue(id, out var outcomes) ? string.Join("+", outcomes) : "nothing")}"));
        foreach (var user in received.Values.GroupBy(p => p.UserId))
        {
            var times = user.Select(p => p.SendAt).Order().ToList();
            if (times.Count > MaxPushesPerLocalDay)
            {
                differences.Add($"user {user.Key}: {times.Count} pushes received, the cap is {MaxPushesPerLocalDay} a day");
            }

            if (times.Zip(times.Skip(1)).Any(t => t.Second - t.First < MinGapBetweenPushes))
            {
                differences.Add($"user {user.Key}: two pushes less than {MinGapBetweenPushes.TotalMinutes:0} minutes apart");
            }
        }

        var held = decided.Count(d => d.Value.Contains(PushOutcomes.Held) && !d.Value.Contains(PushOutcomes.Sent));
        return new CheckResult("pushes", differences.Count == 0,
            string.Create(CultureInfo.InvariantCulture,
                $"{due.Count} decided sent, {failed.Count} failed, {received.Count} received once by key ({fleet.PushReceiver.Duplicates} repeated keys acknowledged), {held} held for later, {differences.Count} differences"),
            differences);
    }
}

public sealed record PushOutcomesRow(string PushId, List<string> Outcomes);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PushOutcomesRow))]
internal sealed partial class ChaosJson : JsonSerializerContext;
