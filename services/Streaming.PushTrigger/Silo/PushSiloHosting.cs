using System.Net;
using Orleans.Configuration;
using StackExchange.Redis;
using Streaming.Profiles.Contracts;
using Streaming.PushTrigger.Feeds;
using Streaming.ServiceDefaults;

namespace Streaming.PushTrigger.Silo;

/// <summary>
/// The push trigger is an Orleans silo of its own (not a client of the profiles silo): its per-user, per-product and
/// per-city grains live with the consumers that feed them, so a crash of the push trigger and its recovery involve only
/// it. It shares the Redis of section <c>Orleans</c>, as a cluster and service named "{ClusterId}-push" and
/// "{ServiceId}-push", so it never joins the profiles cluster nor reads its state. Reminders (a user rule's delayed
/// check) are in the same Redis. With <c>Orleans:Kubernetes=true</c> the pod's address, and the cluster and service ids
/// from the pod's labels (k8s/base/push-trigger: <c>streaming-push</c>), come from Kubernetes hosting.
/// </summary>
public static class PushSiloHosting
{
    public const string Suffix = "-push";

    public static WebApplicationBuilder AddPushSilo(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<OrleansClusterOptions>(OrleansClusterOptions.Section);
        var cluster = builder.Configuration.GetSection(OrleansClusterOptions.Section).Get<OrleansClusterOptions>() ?? new OrleansClusterOptions();
        var kubernetes = builder.Configuration.GetValue<bool>(OrleansClusterOptions.Section + ":Kubernetes");
        var feeds = builder.Configuration.GetSection(FeedOptions.Section).Get<FeedOptions>() ?? new FeedOptions();
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
                    o.ClusterId = cluster.ClusterId + Suffix;
                    o.ServiceId = cluster.ServiceId + Suffix;
                });
                silo.ConfigureEndpoints(IPAddress.Loopback, cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: false);
            }

            // A product rule's call lasts until its whole audience has decided (PushFeeds:GrainCallTimeout).
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = feeds.GrainCallTimeout);
            silo.UseRedisClustering(o => o.ConfigurationOptions = RedisOptions(cluster.Redis));
            silo.AddRedisGrainStorage(PushStorage.Name, o => o.ConfigurationOptions = RedisOptions(cluster.Redis));
            silo.UseRedisReminderService(o => o.ConfigurationOptions = RedisOptions(cluster.Redis));
        });
        return builder;
    }

    private static ConfigurationOptions RedisOptions(string connection)
    {
        var redis = ConfigurationOptions.Parse(connection);
        // Keep retrying while Redis is down instead of failing the first connect: the consumers pause meanwhile.
        redis.AbortOnConnectFail = false;
        return redis;
    }
}
