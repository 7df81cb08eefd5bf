using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Streaming.ServiceDefaults;

/// <summary>
/// With <see cref="ManagementOptions.Port"/> set, the management endpoints answer only on that local port and nothing else
/// answers there, so an ingress that routes the API port reaches neither /metrics nor the probes. The connection's local
/// port decides, not the Host header: the client writes that one (RequireHost("*:port") would let "Host: x:port" in
/// through the API port).
/// </summary>
public static partial class ManagementPort
{
    /// <summary>Marks an endpoint as a management endpoint (served on the management port only, when there is one).</summary>
    public static TBuilder AsManagementEndpoint<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(ManagementEndpoint.Instance);

    /// <summary>Splits the ports when <see cref="ManagementOptions.Port"/> is set; without it, changes nothing.</summary>
    public static WebApplication UseManagementPort(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<ManagementOptions>>().Value.Port is not int port)
        {
            return app;
        }

        app.Use((http, next) =>
        {
            var management = http.GetEndpoint()?.Metadata.GetMetadata<ManagementEndpoint>() is not null;
            if (management != (http.Connection.LocalPort == port))
            {
                // As if the route did not exist on this port: the app's usual answer to an unknown path.
                http.SetEndpoint(null);
            }

            return next(http);
        });
        app.Lifetime.ApplicationStarted.Register(() => StopUnlessListening(app, port));
        return app;
    }

    // Probes on a port nobody listens on would restart the pod forever without saying why.
    private static void StopUnlessListening(WebApplication app, int port)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        if (!addresses.Any(a => BindingAddress.Parse(a).Port == port))
        {
            LogNotListening(app.Logger, ManagementOptions.Section, port, string.Join(", ", addresses));
            app.Lifetime.StopApplication();
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Section}:Port is {Port}, but the service listens only on {Addresses}; add the port to ASPNETCORE_URLS. Stopping.")]
    private static partial void LogNotListening(ILogger logger, string section, int port, string addresses);

    private sealed class ManagementEndpoint
    {
        public static readonly ManagementEndpoint Instance = new();
    }
}
