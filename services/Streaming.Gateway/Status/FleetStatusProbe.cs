using System.Globalization;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using Streaming.ClickHouse;
using Streaming.Metrics;
using Streaming.Metrics.ConcurrentUsers;

namespace Streaming.Gateway.Status;

/// <summary>
/// Every <see cref="Interval"/>: the newest final minute in ClickHouse (one small query over the last hour of the "all
/// users" series, which every source partition fills for every closed minute), and the lag the consumers publish on
/// their /metrics (<c>streaming_consumer_lag</c>, summed per group) when <see cref="GatewayOptions.LagSources"/> names them.
/// </summary>
public sealed partial class FleetStatusProbe(
    IServiceProvider services, IHttpClientFactory httpClients, FleetStatus status, IOptions<GatewayOptions> options, ILogger<FleetStatusProbe> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A minute is final when the latest version of every source partition's row is final (what the view says), read
    /// from the table over the last hour only, so the query stays small however much history there is.
    /// </summary>
    public static readonly string NewestFinalMinuteSql = $"""
        SELECT toString(max(minute)) FROM
        (
            SELECT minute FROM
            (
                SELECT window_start AS minute, source_partition, incarnation, argMax(provisional, version) AS partition_provisional
                FROM {Sql.Identifier(ConcurrentUsersTable.Table)}
                WHERE dimension = {Sql.String(ResultDimensions.All)} AND window_start >= now() - INTERVAL 1 HOUR AND window_start <= now()
                GROUP BY window_start, source_partition, incarnation
            )
            GROUP BY minute
            HAVING max(partition_provisional) = 0
        )
        """;

    private const string LagSeries = "streaming_consumer_lag{";
    private const string GroupLabel = "messaging_consumer_group_name=\"";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            // The probe's own queries would otherwise be a trace every few seconds.
            using (SuppressInstrumentationScope.Begin())
            {
                try
                {
                    var minute = await NewestFinalMinuteAsync(stoppingToken);
                    var (lag, total) = await LagAsync(stoppingToken);
                    status.Update(minute, lag, total);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // A status probe must never stop the gateway: the next tick tries again.
                    LogProbeFailed(logger, "status", ex.Message);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task<DateTimeOffset?> NewestFinalMinuteAsync(CancellationToken cancellationToken)
    {
        try
        {
            var clickHouse = services.GetRequiredService<ClickHouseClient>();
            var value = await clickHouse.ScalarAsync(NewestFinalMinuteSql, cancellationToken);
            // No row: max() of nothing is the zero date, which ClickHouse prints as 1970-01-01 or 0000-00-00.
            return DateTime.TryParseExact(value, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at)
                && at.Year > 1970 ? new DateTimeOffset(at, TimeSpan.Zero) : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or ClickHouseException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogProbeFailed(logger, "ClickHouse", ex.Message);
            return null;
        }
    }

    private async Task<(IReadOnlyList<GroupLag> Lag, long? Total)> LagAsync(CancellationToken cancellationToken)
    {
        var sources = options.Value.LagSources;
        if (sources.Length == 0)
        {
            return ([], null);
        }

        var perGroup = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var read = 0;
        using var http = httpClients.CreateClient(nameof(FleetStatusProbe));
        http.Timeout = TimeSpan.FromSeconds(2);
        foreach (var source in sources)
        {
            try
            {
                AddLag(await http.GetStringAsync(source, cancellationToken), perGroup);
                read++;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                LogProbeFailed(logger, source, ex.Message);
            }
        }

        return ([.. perGroup.Select(g => new GroupLag(g.Key, g.Value))], read > 0 ? perGroup.Values.Sum() : null);
    }

    /// <summary>Sums the lag series of one Prometheus text page per consumer group.</summary>
    public static void AddLag(string page, IDictionary<string, long> perGroup)
    {
        foreach (var line in page.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith(LagSeries, StringComparison.Ordinal))
            {
                continue;
            }

            var labelsEnd = line.LastIndexOf('}');
            var groupAt = line.IndexOf(GroupLabel, StringComparison.Ordinal);
            if (labelsEnd < 0 || groupAt < 0)
            {
                continue;
            }

            var group = line[(groupAt + GroupLabel.Length)..];
            group = group[..group.IndexOf('"')];
            var value = line[(labelsEnd + 1)..].Trim();
            var space = value.IndexOf(' '); // A timestamp may follow the value.
            if (space > 0)
            {
                value = value[..space];
            }

            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var lag))
            {
                var key = group.ToString();
                perGroup[key] = perGroup.TryGetValue(key, out var sum) ? sum + (long)lag : (long)lag;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Status probe could not read {Source}: {Reason}")]
    private static partial void LogProbeFailed(ILogger logger, string source, string reason);
}
