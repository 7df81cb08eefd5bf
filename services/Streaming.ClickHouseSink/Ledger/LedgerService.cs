using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.ClickHouseSink.Schema;
using Streaming.Metrics;
using Streaming.Metrics.Ledger;

namespace Streaming.ClickHouseSink.Ledger;

/// <summary>
/// Runs the gap ledger's reconciler in the sink, one pass every <see cref="LedgerOptions.Interval"/> once the schema is
/// migrated. It keeps nothing in memory between passes (see <see cref="LedgerReconciler"/>), so a SIGKILL at any point
/// costs at most a repeated check. Run one sink replica with it enabled (Ledger__Enabled=false on the others): two
/// would do the same work twice, harmlessly.
/// </summary>
public sealed partial class LedgerService(
    ClickHouseClient clickHouse,
    SchemaReadiness readiness,
    IOptions<LedgerOptions> options,
    IOptions<MetricOptions> weights,
    TimeProvider clock,
    ILogger<LedgerService> logger) : BackgroundService
{
    private static readonly Meter Meter = new("Streaming.ClickHouseSink.Ledger");
    private static readonly Counter<long> MinutesChecked = Meter.CreateCounter<long>("streaming.ledger.minutes.checked", "{minute}", "Minutes checked (each for every metric)");
    private static readonly Counter<long> Repairs = Meter.CreateCounter<long>("streaming.ledger.repairs", "{minute}", "(minute, metric) pairs rewritten from events_raw");
    private static readonly Histogram<double> PassDuration = Meter.CreateHistogram<double>("streaming.ledger.pass.duration", "s", "Time of one reconciler pass");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        // The ledger checks and rewrites whole minutes; results of shorter windows (a benchmark's) are not per minute.
        if (weights.Value.WindowSize != TimeSpan.FromMinutes(1))
        {
            LogNotPerMinute(logger, weights.Value.WindowSize);
            return;
        }

        await readiness.Migrated.WaitAsync(stoppingToken);
        var reconciler = new LedgerReconciler(clickHouse, options.Value, weights.Value, clock);
        using var timer = new PeriodicTimer(options.Value.Interval, clock);
        do
        {
            try
            {
                var pass = await reconciler.RunPassAsync(stoppingToken);
                MinutesChecked.Add(pass.MinutesChecked);
                Repairs.Add(pass.Repaired);
                PassDuration.Record(pass.Duration.TotalSeconds);
                if (pass.Repaired > 0)
                {
                    LogRepaired(logger, pass.Repaired, pass.MinutesChecked, pass.Differences);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Whatever failed (ClickHouse down, a timeout, a bad answer), the sink keeps running: the minutes stay due.
                LogPassFailed(logger, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ledger repaired {Repaired} (minute, metric) pairs among {Minutes} minutes checked ({Differences} series differed)")]
    private static partial void LogRepaired(ILogger logger, int repaired, int minutes, int differences);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ledger off: Aggregator__WindowSize is {Size}, and the ledger checks one-minute windows only")]
    private static partial void LogNotPerMinute(ILogger logger, TimeSpan size);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ledger pass failed ({Reason}); the next pass checks the same minutes")]
    private static partial void LogPassFailed(ILogger logger, string reason);
}
