using System.Net;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using StackExchange.Redis;
using Streaming.Profiles.Contracts;
using Streaming.Profiles.Profiles;
using Streaming.ServiceDefaults;

namespace Streaming.Profiles.Silo;

/// <summary>
/// The web host is an Orleans silo: membership (clustering) and grain state in Redis. On one machine each silo
/// advertises 127.0.0.1 with the ports from <see cref="OrleansClusterOptions"/>; with <c>Orleans:Kubernetes=true</c>
/// the pod's address, and cluster and service ids from the pod's labels, come from Kubernetes hosting.
/// </summary>
public static class SiloHosting
{
    public const string KubernetesSwitch = OrleansClusterOptions.Section + ":Kubernetes";

    public static WebApplicationBuilder AddProfilesSilo(this WebApplicationBuilder builder)
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
                    o.ClusterId = cluster.ClusterId;
                    o.ServiceId = cluster.ServiceId;
                });
                silo.ConfigureEndpoints(IPAddress.Loopback, cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: false);
            }

            // Parsed when the providers start, after the options were validated (a missing connection string fails there).
            silo.UseRedisClustering(o => o.ConfigurationOptions = RedisOptions(cluster.Redis));
            silo.AddRedisGrainStorage(ProfilesStorage.Name, options => options.Configure<IServiceProvider>((o, services) =>
            {
                o.ConfigurationOptions = RedisOptions(cluster.Redis);
                // Orleans' binary serializer: a barrier writes every profile fed since the last one, and Newtonsoft's
                // JSON (the default) took about a tenth of the silo's CPU in profiles-cpu. States written as JSON
                // before still read (the default serializer is the fallback).
                o.GrainStorageSerializer = new GrainStorageSerializer(
                    new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>()), services.GetRequiredService<IGrainStorageSerializer>());
            }));
        });
        return builder;
    }

    private static ConfigurationOptions RedisOptions(string connection)
    {
        var redis = ConfigurationOptions.Parse(connection);
        // Keep retrying while Redis is down instead of failing the first connect: the consumer pauses meanwhile.
        redis.AbortOnConnectFail = false;
        return redis;
    }
}
