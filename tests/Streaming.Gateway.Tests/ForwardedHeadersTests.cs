using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Streaming.ServiceDefaults;

namespace Streaming.Gateway.Tests;

/// <summary>
/// The public rate limit partitions on the client's address, which X-Forwarded-For sets only when the peer is a
/// configured proxy: behind the ingress every client has its own budget, and nobody else can pick one.
/// </summary>
public sealed class ForwardedHeadersTests
{
    private const string Ingress = "10.1.2.3";

    private static async Task<int> GetAsync(GatewayFactory factory, string peer, string? forwardedFor)
    {
        var context = await factory.Server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Get;
            c.Request.Path = "/";
            c.Connection.RemoteIpAddress = IPAddress.Parse(peer);
            if (forwardedFor is not null)
            {
                c.Request.Headers["X-Forwarded-For"] = forwardedFor;
            }
        });
        return context.Response.StatusCode;
    }

    [Fact]
    public async Task A_spoofed_forwarded_for_from_an_unknown_peer_does_not_change_the_partition()
    {
        using var factory = new GatewayFactory { Settings = { ["Gateway:RequestsPerMinute"] = "2" } };

        List<int> statuses = [];
        foreach (var spoofed in new[] { "203.0.113.1", "203.0.113.2", "203.0.113.3" })
        {
            statuses.Add(await GetAsync(factory, Ingress, spoofed));
        }

        Assert.Equal([200, 200, 429], statuses);
    }

    [Fact]
    public async Task Loopback_is_not_trusted_by_default()
    {
        using var factory = new GatewayFactory { Settings = { ["Gateway:RequestsPerMinute"] = "1" } };

        Assert.Equal(200, await GetAsync(factory, "127.0.0.1", "203.0.113.1"));
        Assert.Equal(429, await GetAsync(factory, "127.0.0.1", "203.0.113.2"));
    }

    [Theory]
    [InlineData("ForwardedHeaders:KnownProxies:0", Ingress)]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.1.0.0/16")]
    public async Task Behind_a_known_proxy_each_client_address_has_its_own_budget(string setting, string value)
    {
        using var factory = new GatewayFactory { Settings = { ["Gateway:RequestsPerMinute"] = "2", [setting] = value } };

        List<int> statuses = [];
        foreach (var client in new[] { "203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.1" })
        {
            statuses.Add(await GetAsync(factory, Ingress, client));
        }

        // A client that puts its own X-Forwarded-For before the ingress's entry still gets its real address (the last one).
        statuses.Add(await GetAsync(factory, Ingress, "198.51.100.7, 203.0.113.1"));
        Assert.Equal([200, 200, 200, 200, 429], statuses);

        // Another peer, not the proxy, cannot borrow a budget by naming an address.
        Assert.Equal(200, await GetAsync(factory, "192.0.2.50", "203.0.113.9"));
        Assert.Equal(200, await GetAsync(factory, "192.0.2.50", "203.0.113.9"));
        Assert.Equal(429, await GetAsync(factory, "192.0.2.50", "203.0.113.10"));
    }

    [Theory]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.0.0.0/33", "ForwardedHeaders__KnownNetworks__0")]
    [InlineData("ForwardedHeaders:KnownProxies:1", "ingress", "ForwardedHeaders__KnownProxies__1")]
    public async Task A_proxy_setting_that_is_no_address_refuses_start_up_naming_it(string key, string value, string named)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ForwardedHeaders:KnownProxies:0"] = Ingress, [key] = value });
        builder.WebHost.UseTestServer();
        builder.AddServiceDefaults();
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains(named, Assert.Single(error.Failures), StringComparison.Ordinal);
    }
}
