using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Streaming.ServiceDefaults.Forwarding;

public static class ForwardedHeadersExtensions
{
    /// <summary>
    /// Every HTTP service reads the client address from X-Forwarded-For, but only when the peer is a configured proxy
    /// (<see cref="ForwardedHeadersTrustOptions"/>): the framework's default trust of loopback is cleared. The
    /// middleware runs first, so rate limiters and logs see the client's address.
    /// </summary>
    public static IServiceCollection AddTrustedForwardedHeaders(this IServiceCollection services)
    {
        services.AddValidatedOptions<ForwardedHeadersTrustOptions>(ForwardedHeadersTrustOptions.Section);
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ForwardedHeadersTrustOptions>>((o, trust) =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.ForwardLimit = trust.Value.ForwardLimit;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var proxy in trust.Value.KnownProxies)
            {
                o.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in trust.Value.KnownNetworks)
            {
                o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        services.AddTransient<IStartupFilter, ForwardedHeadersFirst>();
        return services;
    }

    private sealed class ForwardedHeadersFirst : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            // With no proxy and no network listed the middleware would believe every peer: then it must not run at all.
            var trust = app.ApplicationServices.GetRequiredService<IOptions<ForwardedHeadersTrustOptions>>().Value;
            if (trust.KnownProxies.Count > 0 || trust.KnownNetworks.Count > 0)
            {
                app.UseForwardedHeaders();
            }

            next(app);
        };
    }
}
