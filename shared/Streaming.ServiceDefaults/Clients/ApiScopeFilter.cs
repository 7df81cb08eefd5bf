using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Streaming.ServiceDefaults.Clients;

/// <summary>
/// Guards an endpoint: the X-Api-Key header must hold a key of a configured client (else 401) that has the endpoint's
/// scope (else 403), within its request quota (else 429 with Retry-After); all refusals are problem+json. The key
/// is read from the header only, never from the query string, and never logged.
/// </summary>
public sealed class ApiScopeFilter(string scope, Action<string>? refused) : IEndpointFilter
{
    public const string Header = "X-Api-Key";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string OverQuota = "quota";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var presented = http.Request.Headers[Header];
        var client = presented.Count == 1 ? http.RequestServices.GetRequiredService<ApiClients>().Find(presented[0]) : null;
        if (client is null)
        {
            refused?.Invoke(Unauthorized);
            return Results.Problem(
                statusCode: StatusCodes.Status401Unauthorized, title: "Missing or unknown API key", detail: $"Send a valid key in the {Header} header.");
        }

        if (!client.Has(scope))
        {
            refused?.Invoke(Forbidden);
            return Results.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "Key not allowed here",
                detail: $"The key belongs to client '{client.Name}', which lacks the '{scope}' scope this endpoint needs.");
        }

        if (!client.Requests.TryTake(1, out var retryAfter))
        {
            refused?.Invoke(OverQuota);
            return TooManyRequests(http, client, retryAfter, "requests");
        }

        http.Features.Set(client);
        return await next(context);
    }

    /// <summary>The 429 of a client's quota: problem+json and Retry-After in whole seconds, at least one.</summary>
    public static IResult TooManyRequests(HttpContext http, ApiClient client, TimeSpan retryAfter, string what)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(Math.Min(retryAfter.TotalSeconds, 86_400)));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Results.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Quota exceeded",
            detail: $"Client '{client.Name}' has used its {what} quota; retry after {seconds} s.");
    }
}

/// <summary>Endpoint metadata: the endpoint needs a key with <see cref="Scope"/> (OpenAPI documents read it; a filter is invisible to them).</summary>
public sealed record ApiScopeRequired(string Scope);

public static class ApiScopeEndpointExtensions
{
    /// <summary>Puts the endpoint (or group) behind <see cref="ApiScopeFilter"/>; <paramref name="refused"/> hears each refusal's reason.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder endpoint, string scope, Action<string>? refused = null)
        where TBuilder : IEndpointConventionBuilder =>
        endpoint.AddEndpointFilter(new ApiScopeFilter(scope, refused)).WithMetadata(new ApiScopeRequired(scope));

    /// <summary>The client <see cref="ApiScopeFilter"/> let through, for the endpoint's own quota checks.</summary>
    public static ApiClient? ApiClient(this HttpContext http) => http.Features.Get<ApiClient>();
}
