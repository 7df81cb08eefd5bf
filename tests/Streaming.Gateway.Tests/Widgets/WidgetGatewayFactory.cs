using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Streaming.Gateway.Widgets;
using Streaming.LocalServers;
using Streaming.Profiles.Contracts;

namespace Streaming.Gateway.Tests.Widgets;

/// <summary>The gateway with profiles from <see cref="Profiles"/> instead of grains, and a fake clock.</summary>
public sealed class WidgetGatewayFactory : WebApplicationFactory<Program>
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 23, 12, 0, 30, TimeSpan.Zero));

    public StubProfileReader Profiles { get; } = new();

    /// <summary>Configuration keys and values, e.g. "Kafka:BootstrapServers".</summary>
    public Dictionary<string, string> Settings { get; } = [];

    public ProfileChangesHub Hub => Services.GetRequiredService<ProfileChangesHub>();

    public JustBookedFeed JustBooked => Services.GetRequiredService<JustBookedFeed>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // As deployed (no ASPNETCORE_ENVIRONMENT): in Development the framework's exception page would answer failures.
        builder.UseEnvironment("Production");
        builder.UseSetting("ClickHouse:Url", "http://127.0.0.1:" + LoopbackPorts.Free());
        builder.UseSetting("Gateway:RequestsPerMinute", "100000");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Time);
            services.AddSingleton<IProductProfileReader>(Profiles);
            services.AddTransient<IStartupFilter, ClientAddressFromTestHeader>();
        });
    }
}

/// <summary>
/// The test server has no peer address; a request names its own in <see cref="Header"/> (tests only: the gateway
/// itself takes no address from a header).
/// </summary>
public sealed class ClientAddressFromTestHeader : IStartupFilter
{
    public const string Header = "X-Test-Client-Address";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((http, nextMiddleware) =>
        {
            if (IPAddress.TryParse(http.Request.Headers[Header].ToString(), out var address))
            {
                http.Connection.RemoteIpAddress = address;
            }

            return nextMiddleware(http);
        });
        next(app);
    };
}

/// <summary>Profiles as a test sets them; an unknown product has zeros, as from a fresh grain.</summary>
public sealed class StubProfileReader : IProductProfileReader
{
    private readonly ConcurrentDictionary<string, ProductProfile> profiles = new(StringComparer.Ordinal);

    /// <summary>When set, every read fails as when no silo answers.</summary>
    public bool Unavailable { get; set; }

    public void Set(ProductProfile profile) => profiles[profile.ProductId] = profile;

    public Task<ProductProfile> ReadAsync(string productId, CancellationToken cancellationToken) =>
        Unavailable
            ? Task.FromException<ProductProfile>(new ProfilesUnavailableException("no silo answers"))
            : Task.FromResult(profiles.TryGetValue(productId, out var profile) ? profile : ProductProfile.Empty(productId));
}
