using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;
using StackExchange.Redis;
using Streaming.LocalServers;
using Streaming.Profiles.Contracts;

namespace Streaming.Gateway.Tests.Widgets;

/// <summary>The gateway as an Orleans client: Redis clustering from Orleans:*, against a stand-in silo with a stub grain.</summary>
public sealed class LiveProfileThroughOrleansTests
{
    [Fact]
    public async Task The_gateway_starts_without_a_silo_answers_503_then_reads_the_grain_once_a_silo_joins()
    {
        await using var redis = await LocalRedisServer.StartAsync();
        var cluster = "gateway-test-" + Guid.NewGuid().ToString("N")[..8];
        using var factory = new GatewayFactory
        {
            Settings =
            {
                ["Orleans:Redis"] = redis.ConnectionString,
                ["Orleans:ClusterId"] = cluster,
                ["Orleans:ServiceId"] = cluster,
                ["Gateway:RequestsPerMinute"] = "100000",
            },
        };
        using var http = factory.CreateClient();

        using (var dashboard = await http.GetAsync("/"))
        {
            Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        }

        using (var early = await http.GetAsync("/v1/products/tour-12345/live"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, early.StatusCode);
        }

        using var silo = new HostBuilder().UseOrleans(orleans =>
        {
            orleans.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster, cluster));
            orleans.ConfigureEndpoints(IPAddress.Loopback, LoopbackPorts.Free(), LoopbackPorts.Free(), listenOnAnyHostAddress: false);
            orleans.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis.ConnectionString));
        }).Build();
        await silo.StartAsync();
        try
        {
            // The client reconnects every 2 s; wait (bounded) for its first answer from the grain.
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (true)
            {
                using var response = await http.GetAsync("/v1/products/tour-12345/live", deadline.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(deadline.Token)).RootElement;
                    Assert.Equal("tour-12345", json.GetProperty("product_id").GetString());
                    Assert.Equal("tour-12345".Length, json.GetProperty("bookings_last_hour").GetInt64());
                    break;
                }

                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                await Task.Delay(TimeSpan.FromMilliseconds(250), deadline.Token);
            }
        }
        finally
        {
            await silo.StopAsync();
        }
    }
}

/// <summary>A stand-in for the silo's grain: bookings_last_hour = the id's length, so the answer shows it came from here.</summary>
public sealed class StubProductProfileGrain : Grain, IProductProfileGrain
{
    public Task<ProductProfile> GetProfileAsync()
    {
        var id = this.GetPrimaryKeyString();
        return Task.FromResult(ProductProfile.Empty(id) with { BookingsLastHour = id.Length });
    }
}

/// <summary>A stand-in for the silo's lookup grain: every id is a product, read from the stub grain.</summary>
[Orleans.Concurrency.StatelessWorker]
public sealed class StubProductProfileLookupGrain : Grain, IProductProfileLookupGrain
{
    public Task<ProductProfile> GetProfileAsync(string productId) => GrainFactory.GetGrain<IProductProfileGrain>(productId).GetProfileAsync();
}
