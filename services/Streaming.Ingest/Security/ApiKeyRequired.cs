using Streaming.ServiceDefaults;

namespace Streaming.Ingest.Security;

/// <summary>Endpoint metadata saying that <see cref="ApiKeyFilter"/> guards the endpoint, for its OpenAPI operation.</summary>
public sealed class ApiKeyRequired
{
    public static readonly ApiKeyRequired Instance = new();

    private ApiKeyRequired()
    {
    }
}

public static class ApiKeyEndpointExtensions
{
    /// <summary>
    /// Puts the endpoint behind the API key (the registered <see cref="ApiKeyFilter"/>, which holds ingest's keys) and says
    /// so in its metadata (a filter alone is invisible to OpenAPI).
    /// </summary>
    public static RouteHandlerBuilder RequireApiKey(this RouteHandlerBuilder endpoint) =>
        endpoint.AddEndpointFilter((context, next) => context.HttpContext.RequestServices.GetRequiredService<ApiKeyFilter>().InvokeAsync(context, next))
            .WithMetadata(ApiKeyRequired.Instance);
}
