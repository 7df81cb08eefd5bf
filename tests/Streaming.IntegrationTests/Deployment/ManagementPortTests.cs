using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;
using Streaming.LocalServers;
using Streaming.ServiceDefaults;

namespace Streaming.IntegrationTests.Deployment;

/// <summary>
/// Management:Port (ServiceDefaults): with it, /healthz, /readyz and /metrics answer on that port only, and the API
/// port, the one the ingress routes, answers 404 there; without it, nothing changes. A web host with the service
/// defaults and one API endpoint, on real Kestrel ports (the local port of the connection decides).
/// </summary>
public sealed class ManagementPortTests
{
    private static readonly string[] ManagementPaths = ["/healthz", "/readyz", "/metrics"];
    private const string ApiPath = "/v1/ping";

    [Fact]
    public async Task Without_the_setting_the_api_port_serves_probes_metrics_and_the_api_as_before()
    {
        var api = LoopbackPorts.Free();
        await using var app = await StartAsync([api], management: null);
        using var http = Client(api);
        foreach (var path in ManagementPaths.Append(ApiPath))
        {
            using var response = await http.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode}");
        }
    }

    [Fact]
    public async Task With_the_setting_the_api_port_serves_no_metrics_or_probes_and_the_management_port_serves_only_them()
    {
        var api = LoopbackPorts.Free();
        var management = LoopbackPorts.Free();
        await using var app = await StartAsync([api, management], management);
        using var apiClient = Client(api);
        using var managementClient = Client(management);
        foreach (var path in ManagementPaths)
        {
            Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(apiClient, path));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(managementClient, path));

            // The Host header is the client's to write: naming the management port in it changes nothing.
            using var spoofed = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Host = $"127.0.0.1:{management}" } };
            using var response = await apiClient.SendAsync(spoofed);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(apiClient, ApiPath));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(managementClient, ApiPath));
        using var metrics = await managementClient.GetAsync("/metrics");
        Assert.Contains("# TYPE", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_management_port_the_service_does_not_listen_on_stops_it_at_start()
    {
        var api = LoopbackPorts.Free();
        var stopped = new TaskCompletionSource();
        await using var app = await StartAsync([api], management: LoopbackPorts.Free());
        using var registration = app.Lifetime.ApplicationStopping.Register(stopped.SetResult);
        await stopped.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_port_out_of_range_refuses_start_naming_the_setting()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync([LoopbackPorts.Free()], management: 70000));
        Assert.Contains("Management:Port", error.Message, StringComparison.Ordinal);
    }

    private static async Task<WebApplication> StartAsync(int[] ports, int? management)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls([.. ports.Select(p => $"http://127.0.0.1:{p}")]);
        if (management is int port)
        {
            builder.Configuration[$"{ManagementOptions.Section}:{nameof(ManagementOptions.Port)}"] = port.ToString(CultureInfo.InvariantCulture);
        }

        builder.AddServiceDefaults();
        var app = builder.Build();
        try
        {
            app.MapServiceDefaults();
            app.MapGet(ApiPath, () => "pong");
            await app.StartAsync();
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    private static HttpClient Client(int port) => new() { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        return response.StatusCode;
    }
}
