using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using Streaming.Profiles.Contracts;

namespace Streaming.Gateway.Widgets;

/// <summary>GET /v1/products/{product_id}/live: the product's profile from its grain, cacheable for a second.</summary>
public static class LiveProfileEndpoint
{
    public static async Task<IResult> HandleAsync(
        [FromRoute(Name = "product_id")] string productId, HttpContext http, IProductProfileReader profiles, CancellationToken cancellationToken)
    {
        productId = WidgetResults.ProductIdOf(http, productId);
        if (WidgetResults.InvalidProductId(productId) is { } invalid)
        {
            return invalid;
        }

        ProductProfile profile;
        try
        {
            profile = await profiles.ReadAsync(productId, cancellationToken);
        }
        catch (ProfilesUnavailableException e)
        {
            return WidgetResults.Unavailable(http, e.Message);
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(profile, ProfilesJsonContext.Default.ProductProfile);
        var etag = ETagOf(body);
        http.Response.Headers.ETag = etag;
        http.Response.Headers.CacheControl = "max-age=1";
        if (http.Request.GetTypedHeaders().IfNoneMatch is { Count: > 0 } ifNoneMatch
            && ifNoneMatch.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(new EntityTagHeaderValue(etag), useStrongComparison: false)))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(body, "application/json");
    }

    /// <summary>A strong tag over the exact body: equal bodies, equal tags, on every gateway instance.</summary>
    public static string ETagOf(ReadOnlySpan<byte> body) => "\"" + Convert.ToHexStringLower(SHA256.HashData(body).AsSpan(0, 12)) + "\"";
}
