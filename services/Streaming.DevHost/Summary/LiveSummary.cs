using System.Globalization;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.DevHost.Fleet;
using Streaming.DevHost.Simulation;
using Streaming.Events;

namespace Streaming.DevHost.Summary;

/// <summary>One line every few seconds: traffic in, the last closed minute's bookings, rows in ClickHouse, service health.</summary>
public sealed class LiveSummary(LocalFleet fleet, TrafficSimulator simulator, TextWriter output)
{
    public async Task RunAsync(TimeSpan every, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        using var clickHouse = new HttpClient();
        var client = new ClickHouseClient(clickHouse, Options.Create(fleet.ClickHouseOptions));
        var table = Sql.Identifier(FleetSchema.BookingsPerMinute);
        var product = Sql.String(ResultDimensions.Product);
        var lastAccepted = 0L;
        var lastAt = DateTimeOffset.UtcNow;
        using var timer = new PeriodicTimer(every);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var now = DateTimeOffset.UtcNow;
            var accepted = simulator.Accepted;
            var rate = (accepted - lastAccepted) / Math.Max(0.001, (now - lastAt).TotalSeconds);
            (lastAccepted, lastAt) = (accepted, now);
            string minute;
            string rows;
            try
            {
                var last = await client.ScalarAsync(
                    $"SELECT concat(toString(minute), '  ', toString(sum(bookings))) FROM {table} WHERE dimension = {product} GROUP BY minute ORDER BY minute DESC LIMIT 1",
                    cancellationToken);
                minute = last is null ? "none yet" : last.Replace("  ", " UTC → ", StringComparison.Ordinal) + " bookings";
                rows = await client.ScalarAsync($"SELECT count() FROM {Sql.Identifier(FleetSchema.BookingsMinute)}", cancellationToken) ?? "0";
            }
            catch (Exception ex) when (ex is HttpRequestException or ClickHouseException)
            {
                minute = "ClickHouse unreachable";
                rows = "?";
            }

            var down = fleet.Services.Where(s => s.HasExited).Select(s => s.Name.Replace("Streaming.", "", StringComparison.Ordinal)).ToList();
            var health = down.Count == 0 ? "all services up" : "DOWN: " + string.Join(",", down) + " (see logs)";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{now:HH:mm:ss}] in {rate,6:0} ev/s (accepted {accepted:N0}, rejected {simulator.Rejected:N0}) | last closed minute {minute} | ClickHouse rows {rows} | {health}"));
        }
    }
}
