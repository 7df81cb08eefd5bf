using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Streaming.LocalServers;

namespace Streaming.Gateway.Tests;

/// <summary>
/// The gateway in process. Unless <see cref="Settings"/> name a ClickHouse URL, it points at a loopback port nothing
/// listens on, so a request that reached ClickHouse would fail.
/// </summary>
public sealed class GatewayFactory : WebApplicationFactory<Program>
{
    /// <summary>Configuration keys and values, e.g. "Gateway:RequestsPerMinute".</summary>
    public Dictionary<string, string> Settings { get; } = [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // As deployed (no ASPNETCORE_ENVIRONMENT): in Development the framework's exception page would answer failures.
        builder.UseEnvironment("Production");
        if (!Settings.ContainsKey("ClickHouse:Url"))
        {
            builder.UseSetting("ClickHouse:Url", "http://127.0.0.1:" + LoopbackPorts.Free());
        }

        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
