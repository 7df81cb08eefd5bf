using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.Gateway.Dashboard;
using Streaming.Gateway.Metrics;
using Streaming.Gateway.Status;
using Streaming.ServiceDefaults;

namespace Streaming.Gateway;

public static class GatewayExtensions
{
    public const string PublicPolicy = "public";

    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<ClickHouseOptions>(ClickHouseOptions.Section);
        services.AddValidatedOptions<GatewayOptions>(GatewayOptions.Section);
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, GatewayJsonContext.Default));
        services.AddHttpClient<ClickHouseClient>();
        services.AddSingleton<ConcurrentUsersQueryValidator>();
        services.AddSingleton<BookingsQueryValidator>();
        services.AddSingleton<PopularityTopQueryValidator>();
        services.AddFleetStatus();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(PublicPolicy, http =>
            {
                var perMinute = http.RequestServices.GetRequiredService<IOptions<GatewayOptions>>().Value.RequestsPerMinute;
                return RateLimitPartition.GetFixedWindowLimiter(
                    http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
            });
        });
        return builder;
    }

    public static WebApplication MapGatewayEndpoints(this WebApplication app)
    {
        var metrics = app.MapGroup("/v1/metrics").RequireRateLimiting(PublicPolicy);
        metrics.MapGet("/concurrent-users", ConcurrentUsersEndpoint.HandleAsync);
        metrics.MapGet("/bookings", BookingsEndpoint.HandleAsync);
        metrics.MapGet("/bookings/per-minute", BookingsEndpoint.PerMinuteAsync);
        metrics.MapGet("/popularity/top", PopularityTopEndpoint.HandleAsync);
        app.MapGet("/v1/status", FleetStatusEndpoint.Handle).RequireRateLimiting(PublicPolicy);
        app.MapGet("/", DashboardPage.Serve).RequireRateLimiting(PublicPolicy);
        return app;
    }
}
