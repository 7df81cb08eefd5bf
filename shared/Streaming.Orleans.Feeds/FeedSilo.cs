using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using StackExchange.Redis;
using Streaming.Profiles.Contracts;
using Streaming.ServiceDefaults;

namespace Streaming.Orleans.Feeds;

/// <summary>What a silo fed by <see cref="GrainFeed{TItem}"/>s needs besides the defaults.</summary>
/// <param name="Storage">The grain storage provider's name (its grains' <c>[PersistentState]</c> name it).</param>
public sealed record FeedSiloSettings(string Storage)
{
    /// <summary>Appended to the cluster and service ids, so that silos sharing a Redis form separate clusters.</summary>
    public string ClusterSuffix { get; init; } = "";

    /// <summary>Reminders in the same Redis (grains that must act later even across a crash).</summary>
    public bool Reminders { get; init; }

    /// <summary>Orleans' response timeout for grain calls (its default, 30 s, when null).</summary>
    public TimeSpan? ResponseTimeout { get; init; }
}

/// <summary>
/// The web host is an Orleans silo: membership (clustering), grain state and, if asked, reminders in the Redis of section
/// <c>Orleans</c>. On one machine each silo advertises 127.0.0.1 with the ports from <see cref="OrleansClusterOptions"/>;
/// with <c>Orleans:Kubernetes=true</c> the pod's address, and cluster and service ids from the pod's labels, come from
/// Kubernetes hosting. Grain state is written with Orleans' binary serializer (Newtonsoft's JSON, the default, took about
/// a tenth of the profiles silo's CPU); states written as JSON before still read, the default serializer is the fallback.
/// </summary>
public static class FeedSilo
{
    public const string KubernetesSwitch = OrleansClusterOptions.Section + ":Kubernetes";

    public static IHostApplicationBuilder AddFeedSilo(this IHostApplicationBuilder builder, FeedSiloSettings settings)
    {
        builder.Services.AddValidatedOptions<OrleansClusterOptions>(OrleansClusterOptions.Section);
        var cluster = builder.Configuration.GetSection(OrleansClusterOptions.Section).Get<OrleansClusterOptions>() ?? new OrleansClusterOptions();
        var kubernetes = builder.Configuration.GetValue<bool>(KubernetesSwitch);
        builder.UseOrleans(silo =>
        {
            if (kubernetes)
            {
                silo.UseKubernetesHosting();
                silo.Configure<EndpointOptions>(o =>
                {
                    o.SiloPort = cluster.SiloPort;
                    o.GatewayPort = cluster.GatewayPort;
                });
            }
            else
            {
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = cluster.ClusterId + settings.ClusterSuffix;
                    o.ServiceId = cluster.ServiceId + settings.ClusterSuffix;
                });
                silo.ConfigureEndpoints(IPAddress.Loopback, cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: false);
            }

            if (settings.ResponseTimeout is { } timeout)
            {
                silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = timeout);
            }

            // Parsed when the providers start, after the options were validated (a missing connection string fails there).
            silo.UseRedisClustering(o => o.ConfigurationOptions = RedisOptions(cluster.Redis));
            silo.AddRedisGrainStorage(settings.Storage, options => options.Configure<IServiceProvider>((o, services) =>
            {
                o.ConfigurationOptions = RedisOptions(cluster.Redis);
                o.GrainStorageSerializer = new GrainStorageSerializer(
                    new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>()), services.GetRequiredService<IGrainStorageSerializer>());
            }));
            if (settings.Reminders)
            {
                silo.UseRedisReminderService(o => o.ConfigurationOptions = RedisOptions(cluster.Redis));
            }
        });
        return builder;
    }

    private static ConfigurationOptions RedisOptions(string connection)
    {
        var redis = ConfigurationOptions.Parse(connection);
        // Keep retrying while Redis is down instead of failing the first connect: the feeds pause meanwhile.
        redis.AbortOnConnectFail = false;
        return redis;
    }
}
