using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Streaming.Gateway.Pushes;

/// <summary>Requires one of <see cref="PushesApiOptions.ApiKeys"/> in X-Api-Key; compares in constant time.</summary>
public sealed class PushesApiKeyFilter(IOptions<PushesApiOptions> options) : IEndpointFilter
{
    public const string Header = "X-Api-Key";
    private readonly byte[][] keys = [.. options.Value.ApiKeys.Select(Encoding.UTF8.GetBytes)];

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var presented = Encoding.UTF8.GetBytes(context.HttpContext.Request.Headers[Header].ToString());
        var match = false;
        foreach (var key in keys)
        {
            match |= CryptographicOperations.FixedTimeEquals(key, presented);
        }

        return match
            ? await next(context)
            : Results.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Missing or unknown API key",
                detail: $"Send a valid key in the {Header} header (PushesApi__ApiKeys).");
    }
}
