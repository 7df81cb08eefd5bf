using System.Diagnostics;
using System.Threading.Channels;
using Streaming.DevHost.Fleet;
using Streaming.DevHost.Supervision;
using Streaming.Kafka;
using Streaming.LocalServers;

namespace Streaming.IntegrationTests;

/// <summary>The demo's supervisor on real processes: a service or Redis killed with SIGKILL is started again and answers.</summary>
public sealed class SupervisedServiceTests
{
    [Fact]
    public async Task A_service_killed_with_SIGKILL_is_started_again_and_healthy()
    {
        var logs = Path.Combine(Path.GetTempPath(), "streaming-supervised-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(logs);
        using var kafka = LocalKafkaCluster.Start(1, Topics.DefaultPartitions);
        var service = ServiceProcess.Start(LocalFleet.Ingest, ServiceLayout.ServiceDll(LocalFleet.Ingest), LoopbackPorts.Free(), Path.Combine(logs, "ingest.log"),
            new Dictionary<string, string> { ["Kafka__BootstrapServers"] = kafka.BootstrapServers, ["Clients__test__Keys__0"] = "supervised-test-key-0123456789abcdef", ["Clients__test__Scopes__0"] = "ingest" });
        try
        {
            await service.WaitUntilHealthyAsync("/healthz", TimeSpan.FromSeconds(60), CancellationToken.None);
            var reports = Channel.CreateUnbounded<string>();
            var policy = RestartPolicy.Default with { FirstDelay = TimeSpan.FromMilliseconds(100) };
            await using (var supervisor = new Supervisor(policy, TimeProvider.System, line => reports.Writer.TryWrite(line), CancellationToken.None))
            {
                supervisor.Watch(new SupervisedService(() => service, next => service = next, "/healthz", TimeSpan.FromSeconds(60)));
                var killed = service.ProcessId;
                using (var process = Process.GetProcessById(killed))
                {
                    process.Kill();
                }

                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
                Assert.StartsWith("Ingest exited with code 137", await reports.Reader.ReadAsync(timeout.Token), StringComparison.Ordinal);
                Assert.Equal("restarted Ingest (1x)", await reports.Reader.ReadAsync(timeout.Token));
                Assert.NotEqual(killed, service.ProcessId);
                Assert.False(service.HasExited);
                using var http = new HttpClient();
                using var health = await http.GetAsync(service.Url + "/healthz", timeout.Token);
                Assert.True(health.IsSuccessStatusCode);
                Assert.Equal(1, Assert.Single(supervisor.Statuses).Restarts);
            }
        }
        finally
        {
            await service.DisposeAsync();
            Directory.Delete(logs, recursive: true);
        }
    }

    [Fact]
    public async Task Redis_killed_with_SIGKILL_is_started_again_on_its_port()
    {
        await using var redis = await LocalRedisServer.StartAsync();
        var reports = Channel.CreateUnbounded<string>();
        var policy = RestartPolicy.Default with { FirstDelay = TimeSpan.FromMilliseconds(100) };
        await using var supervisor = new Supervisor(policy, TimeProvider.System, line => reports.Writer.TryWrite(line), CancellationToken.None);
        supervisor.Watch(SupervisedServer.For(redis));
        var killed = redis.ProcessId!.Value;
        using (var process = Process.GetProcessById(killed))
        {
            process.Kill();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Assert.StartsWith("Redis exited with code 137", await reports.Reader.ReadAsync(timeout.Token), StringComparison.Ordinal);
        Assert.Equal("restarted Redis (1x)", await reports.Reader.ReadAsync(timeout.Token));
        Assert.True(await redis.PingAsync(timeout.Token));
        Assert.NotEqual(killed, redis.ProcessId);
    }
}
