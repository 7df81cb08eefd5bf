using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Streaming.Ingest.Events;

namespace Streaming.Ingest.Security;

/// <summary>Requires a configured key in X-Api-Key; compares in constant time.</summary>
public sealed class ApiKeyFilter(IOptions<IngestOptions> options) : IEndpointFilter
{
    public const string Header = "X-Api-Key";
    private readonly byte[][] keys = [.. options.Value.ApiKeys.Select(Encoding.UTF8.GetBytes)];

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var presented = context.HttpContext.Request.Headers[Header].ToString();
        var bytes = Encoding.UTF8.GetBytes(presented);
        var match = false;
        foreach (var key in keys)
        {
            match |= CryptographicOperations.FixedTimeEquals(key, bytes);
        }

        if (!match)
        {
            IngestTelemetry.RequestRejected(IngestTelemetry.Unauthorized);
            return Results.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Missing or unknown API key",
                detail: $"Send a valid key in the {Header} header.");
        }

        return await next(context);
    }
}

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
    /// <summary>Puts the endpoint behind the API key and says so in its metadata (a filter alone is invisible to OpenAPI).</summary>
    public static RouteHandlerBuilder RequireApiKey(this RouteHandlerBuilder endpoint) =>
        endpoint.AddEndpointFilter<ApiKeyFilter>().WithMetadata(ApiKeyRequired.Instance);
}
