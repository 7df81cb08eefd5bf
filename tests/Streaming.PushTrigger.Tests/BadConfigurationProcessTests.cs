using Streaming.DevHost.Fleet;
using Streaming.LocalServers;

namespace Streaming.PushTrigger.Tests;

/// <summary>The service itself refuses to start on a bad rule, and says which key is wrong.</summary>
public sealed class BadConfigurationProcessTests
{
    [Fact]
    public async Task The_push_trigger_process_stops_at_start_naming_the_bad_rule_field()
    {
        var logs = Path.Combine(AppContext.BaseDirectory, "bad-configuration-logs");
        Directory.CreateDirectory(logs);
        // The log is appended to: a previous run's must not answer for this one.
        var log = Path.Combine(logs, "push-trigger.log");
        File.Delete(log);
        await using var trigger = ServiceProcess.Start(LocalFleet.PushTrigger, ServiceLayout.ServiceDll(LocalFleet.PushTrigger), LoopbackPorts.Free(), log, new Dictionary<string, string>
        {
            ["Kafka__BootstrapServers"] = "127.0.0.1:1",
            ["Orleans__Redis"] = "127.0.0.1:1",
            ["PushTrigger__Rules__0__Id"] = "fast",
            ["PushTrigger__Rules__0__Kind"] = "wishlist_selling_fast",
            ["PushTrigger__Rules__0__Threshold"] = "0",
            ["PushTrigger__Rules__0__Title"] = "t",
            ["PushTrigger__Rules__0__Body"] = "b",
        });

        var exitCode = await trigger.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("PushTrigger:Rules:0:Threshold must be 1..100000 (was 0)", await File.ReadAllTextAsync(log), StringComparison.Ordinal);
    }
}
