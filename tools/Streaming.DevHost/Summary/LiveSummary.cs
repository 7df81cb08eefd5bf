using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.DevHost.Fleet;
using Streaming.DevHost.Simulation;
using Streaming.Events;
using Streaming.Metrics;
using Streaming.Metrics.Bookings;
using Streaming.Metrics.ConcurrentUsers;
using Streaming.Metrics.Popularity;
using Streaming.Metrics.Pushes;

namespace Streaming.DevHost.Summary;

/// <summary>
/// One line every few seconds: traffic in; for the last closed minute, active users, bookings and the most popular
/// product; rows stored in ClickHouse (deduplicated); pushes (sent and suppressed per rule, as decided; received by the
/// demo receiver); consumer lag and freshness (the gateway's /v1/status); the profile silos' products live, events
/// applied and lag (<see cref="ProfilesSummary"/>); service health.
/// </summary>
public sealed class LiveSummary(LocalFleet fleet, TrafficSimulator simulator, TextWriter output)
{
    /// <summary>
    /// Rows after deduplication in every table the sink writes: one per stored event and one per metric partial (its
    /// latest version). FINAL collapses re-delivered events and superseded versions before ClickHouse merges them, so
    /// the count only grows with new data; system.parts would count every unmerged version and shrink on each merge.
    /// </summary>
    private static readonly string StoredRowsSql = "SELECT toString(sum(table_rows)) FROM (" +
        string.Join(" UNION ALL ", FleetSchema.Tables.Select(t => $"SELECT count() AS table_rows FROM {Sql.Identifier(t)} FINAL")) + ")";

    /// <summary>"rule sent/suppressed, ..." over every hour of the per-rule view.</summary>
    private static readonly string PushesSql =
        "SELECT arrayStringConcat(groupArray(concat(rule, ' ', toString(sent_pushes), '/', toString(suppressed_pushes))), ', ') FROM (" +
        $"SELECT rule, sumIf(pushes, outcome = 'sent') AS sent_pushes, sumIf(pushes, outcome = 'suppressed') AS suppressed_pushes FROM {Sql.Identifier(PushDecisionsTable.PerRuleHour)} GROUP BY rule ORDER BY rule)";

    /// <summary>How long the summary waits for ClickHouse or the gateway in one round before it says "no answer".</summary>
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Writes a line every <paramref name="every"/> until <paramref name="cancellationToken"/> is cancelled. Nothing
    /// else ends it: a server that hangs or fails is reported in the line ("ClickHouse: no answer in 5 s").
    /// </summary>
    public async Task RunAsync(TimeSpan every, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = AnswerTimeout };
        using var clickHouseHttp = new HttpClient();
        var options = fleet.ClickHouseOptions;
        options.TimeoutSeconds = (int)AnswerTimeout.TotalSeconds;
        var client = new ClickHouseClient(clickHouseHttp, Options.Create(options));
        var lastAccepted = 0L;
        var lastAt = DateTimeOffset.UtcNow;
        using var timer = new PeriodicTimer(every);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var now = DateTimeOffset.UtcNow;
            var accepted = simulator.Accepted;
            var rate = (accepted - lastAccepted) / Math.Max(0.001, (now - lastAt).TotalSeconds);
            (lastAccepted, lastAt) = (accepted, now);
            string line;
            try
            {
                line = await LineAsync(client, http, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // A summary that cannot say everything still says so, and the demo goes on.
                line = $"summary incomplete ({ex.GetType().Name}: {ex.Message})";
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{now:HH:mm:ss}] in {rate,6:0} ev/s (accepted {accepted:N0}, rejected {simulator.Rejected:N0}{Changes()}) | {line}"));
        }
    }

    /// <summary>Everything after the traffic: ClickHouse, the gateway and the silos are asked at once, each with a timeout.</summary>
    private async Task<string> LineAsync(ClickHouseClient client, HttpClient http, CancellationToken cancellationToken)
    {
        var stored = StoredAsync(client, cancellationToken);
        var pipeline = PipelineAsync(http, cancellationToken);
        var silos = ProfilesSummary.ReadAsync(fleet, http, cancellationToken);
        await Task.WhenAll(stored, pipeline, silos);
        var exited = fleet.Services.Where(s => s.HasExited).Select(s => LocalFleet.ShortName(s.Name)).ToList();
        var health = HealthSummary.Format(exited, fleet.Supervisor?.Statuses, DateTimeOffset.UtcNow);
        var profiles = ProfilesSummary.Format(await silos);
        var (storedText, pipelineText) = (await stored, await pipeline);
        return string.Create(CultureInfo.InvariantCulture,
            $"{storedText}, received {fleet.PushReceiver.Received:N0} | {pipelineText} | {profiles} | {health}");
    }

    /// <summary>"last closed minute … | ClickHouse rows N | pushes sent/suppressed …", or why ClickHouse did not say.</summary>
    private static async Task<string> StoredAsync(ClickHouseClient client, CancellationToken cancellationToken)
    {
        using var answer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        answer.CancelAfter(AnswerTimeout);
        try
        {
            var minute = await LastClosedMinuteAsync(client, answer.Token);
            var rows = await client.ScalarAsync(StoredRowsSql, answer.Token) ?? "0";
            var pushes = await client.ScalarAsync(PushesSql, answer.Token) is { Length: > 0 } perRule ? perRule : "none yet";
            return $"last closed minute {minute} | ClickHouse rows {rows} | pushes sent/suppressed {pushes}";
        }
        catch (Exception ex) when (ex is HttpRequestException or ClickHouseException)
        {
            return "ClickHouse unreachable | pushes ?";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return NoAnswer("ClickHouse") + " | pushes ?";
        }
    }

    private static async Task<string> LastClosedMinuteAsync(ClickHouseClient client, CancellationToken cancellationToken)
    {
        // The last minute every series has closed: the zero-filled "all users" series has a final row for it.
        var closed = await client.ScalarAsync(
            $"SELECT toString(max(minute)) FROM {Sql.Identifier(ConcurrentUsersTable.PerMinute)} WHERE dimension = 'all' AND provisional = 0",
            cancellationToken);
        if (closed is null or "0000-00-00 00:00:00" or "1970-01-01 00:00:00")
        {
            return "none yet";
        }

        var at = Sql.String(closed);
        var users = await client.ScalarAsync(
            $"SELECT toString(users) FROM {Sql.Identifier(ConcurrentUsersTable.PerMinute)} WHERE dimension = 'all' AND minute = toDateTime({at})", cancellationToken);
        var bookings = await client.ScalarAsync(
            $"SELECT toString(sum(bookings)) FROM {Sql.Identifier(BookingsTable.PerMinute)} WHERE dimension = {Sql.String(ResultDimensions.Product)} AND minute = toDateTime({at})",
            cancellationToken);
        var top = await client.ScalarAsync(
            $"SELECT product_id FROM {Sql.Identifier(PopularityTable.PerMinute)} WHERE minute = toDateTime({at}) ORDER BY score DESC, product_id LIMIT 1", cancellationToken);
        return $"{closed[11..16]} UTC: {users} users, {bookings ?? "0"} bookings, top {top ?? "-"}";
    }

    private static string NoAnswer(string server) =>
        string.Create(CultureInfo.InvariantCulture, $"{server}: no answer in {AnswerTimeout.TotalSeconds:0} s");

    /// <summary>", booking changes N" in CDC mode: the change events the simulator wrote instead of posting bookings.</summary>
    private string Changes() => simulator.ChangesWritten is { } written ? string.Create(CultureInfo.InvariantCulture, $", booking changes {written:N0}") : "";

    /// <summary>"lag N, freshness S s" from the gateway's status (lag summed over every consumer group).</summary>
    private async Task<string> PipelineAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var answer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        answer.CancelAfter(AnswerTimeout);
        try
        {
            using var status = JsonDocument.Parse(await http.GetStringAsync(fleet.GatewayUrl + "/v1/status", answer.Token));
            var root = status.RootElement;
            var lag = root.GetProperty("lag_total") is { ValueKind: JsonValueKind.Number } total ? total.GetInt64().ToString("N0", CultureInfo.InvariantCulture) : "?";
            var freshness = root.GetProperty("freshness_seconds") is { ValueKind: JsonValueKind.Number } seconds
                ? seconds.GetDouble().ToString("0", CultureInfo.InvariantCulture) + " s"
                : "none yet";
            return $"lag {lag}, freshness {freshness}";
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return "lag ?, freshness ? (gateway: " + (ex is HttpRequestException ? "unreachable" : "unreadable status") + ")";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return "lag ?, freshness ? (" + NoAnswer("gateway") + ")";
        }
    }
}
