using Microsoft.Extensions.Diagnostics.HealthChecks;
using Streaming.ClickHouse;
using Streaming.Metrics;

namespace Streaming.ClickHouseSink.Schema;

/// <summary>Ready once the schema is migrated.</summary>
public sealed class SchemaReadiness : IHealthCheck
{
    private readonly TaskCompletionSource migrated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Migrated => migrated.Task;

    public void MarkMigrated() => migrated.TrySetResult();

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(migrated.Task.IsCompleted ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("schema not migrated yet"));
}

/// <summary>Applies the fleet's ClickHouse migrations at start, retrying while the server is unreachable.</summary>
public sealed partial class SchemaMigrationService(
    ClickHouseClient clickHouse, SchemaReadiness readiness, ILogger<SchemaMigrationService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var applied = await new SchemaMigrator(clickHouse).ApplyAsync(FleetSchema.Migrations, stoppingToken);
                LogMigrated(logger, applied);
                readiness.MarkMigrated();
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or ClickHouseException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                LogRetry(logger, ex.Message, delay.TotalSeconds);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ClickHouse schema up to date ({Applied} migrations applied now)")]
    private static partial void LogMigrated(ILogger logger, int applied);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ClickHouse not ready ({Reason}); retrying in {Seconds} s")]
    private static partial void LogRetry(ILogger logger, string reason, double seconds);
}
