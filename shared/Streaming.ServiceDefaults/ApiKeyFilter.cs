using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Streaming.ServiceDefaults;

/// <summary>
/// Requires one of <paramref name="keys"/> in X-Api-Key, compared in constant time; anything else gets 401
/// problem+json. Every private endpoint of the fleet (ingest, the ledger's re-check, a user's pushes) uses it.
/// </summary>
/// <param name="setting">The setting that holds the keys, named in the 401's detail; null names none.</param>
/// <param name="rejected">Called for each refused request (ingest counts them).</param>
public sealed class ApiKeyFilter(IEnumerable<string> keys, string? setting = null, Action? rejected = null) : IEndpointFilter
{
    public const string Header = "X-Api-Key";
    private readonly byte[][] keys = [.. keys.Select(Encoding.UTF8.GetBytes)];

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var presented = Encoding.UTF8.GetBytes(context.HttpContext.Request.Headers[Header].ToString());
        var match = false;
        foreach (var key in keys)
        {
            match |= CryptographicOperations.FixedTimeEquals(key, presented);
        }

        if (!match)
        {
            rejected?.Invoke();
            return Results.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Missing or unknown API key",
                detail: setting is null ? $"Send a valid key in the {Header} header." : $"Send a valid key in the {Header} header ({setting}).");
        }

        return await next(context);
    }
}
