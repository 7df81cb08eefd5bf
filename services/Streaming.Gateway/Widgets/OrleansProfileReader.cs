using Microsoft.Extensions.Options;
using Orleans.Configuration;
using StackExchange.Redis;
using Streaming.Profiles.Contracts;

namespace Streaming.Gateway.Widgets;

/// <summary>
/// The gateway as an Orleans client of the profile silos (Redis clustering). The client runs in its own small host,
/// connected in the background and reconnected after a failure, so that the gateway starts and serves its other
/// endpoints while no silo is up; until it is connected, reads fail with <see cref="ProfilesUnavailableException"/>.
/// A product this gateway has seen on profile-changes is read from its grain; any other id through the silos' lookup
/// grain, which answers zeros for an id never stored without activating a grain for it.
/// </summary>
public sealed partial class OrleansProfileReader(
    IOptions<OrleansClusterOptions> cluster, IOptions<WidgetOptions> options, ProfileChangesHub seen, TimeProvider time,
    ILogger<OrleansProfileReader> logger)
    : BackgroundService, IProductProfileReader
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);
    private volatile IClusterClient? client;

    public async Task<ProductProfile> ReadAsync(string productId, CancellationToken cancellationToken)
    {
        var connected = client ?? throw new ProfilesUnavailableException("The gateway is not connected to the profile silos yet.");
        try
        {
            var read = seen.Newest(productId) is not null
                ? connected.GetGrain<IProductProfileGrain>(productId).GetProfileAsync()
                : connected.GetGrain<IProductProfileLookupGrain>(0).GetProfileAsync(productId);
            return await read.WaitAsync(options.Value.ProfileTimeout, time, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogReadFailed(logger, productId, e.Message);
            throw new ProfilesUnavailableException("The profile silos did not answer.", e);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            using var host = BuildClientHost(cluster.Value);
            try
            {
                await host.StartAsync(stoppingToken);
                client = host.Services.GetRequiredService<IClusterClient>();
                LogConnected(logger);
                failures = 0;
                await Task.Delay(Timeout.Infinite, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Shutting down.
            }
            catch (Exception e)
            {
                // Usually: no silo has registered a gateway yet. Quiet after the first few tries.
                if (failures++ < 3)
                {
                    LogConnectFailed(logger, e.Message);
                }
            }
            finally
            {
                client = null;
                await host.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
            }

            if (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(RetryDelay, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private static IHost BuildClientHost(OrleansClusterOptions cluster) => new HostBuilder()
        .UseOrleansClient(orleans =>
        {
            orleans.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            orleans.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
            orleans.UseRedisClustering(o =>
            {
                var redis = ConfigurationOptions.Parse(cluster.Redis);
                redis.AbortOnConnectFail = false;
                o.ConfigurationOptions = redis;
            });
        })
        .Build();

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to the profile silos")]
    private static partial void LogConnected(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot connect to the profile silos yet ({Reason}); retrying")]
    private static partial void LogConnectFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the profile of {ProductId} failed: {Reason}")]
    private static partial void LogReadFailed(ILogger logger, string productId, string reason);
}
