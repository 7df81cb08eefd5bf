namespace Streaming.Gateway.Status;

/// <summary>GET /v1/status: freshness of the stored metrics and the consumers' lag, for the dashboard page and the demo.</summary>
public static class FleetStatusEndpoint
{
    public static IServiceCollection AddFleetStatus(this IServiceCollection services)
    {
        services.AddSingleton<FleetStatus>();
        services.AddHostedService<FleetStatusProbe>();
        return services;
    }

    public static IResult Handle(FleetStatus status) => Results.Json(status.Body(), FleetStatusJsonContext.Default.FleetStatusBody);
}
