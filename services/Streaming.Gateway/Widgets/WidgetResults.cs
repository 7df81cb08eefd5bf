using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Streaming.Events;

namespace Streaming.Gateway.Widgets;

/// <summary>Validation and refusals shared by the widget endpoints (problem+json naming the field).</summary>
public static class WidgetResults
{
    /// <summary>An id ingest would refuse (empty or longer than <see cref="EventLimits.MaxIdLength"/>) names product_id.</summary>
    public static IResult? InvalidProductId(string? productId) =>
        string.IsNullOrWhiteSpace(productId) || productId.Length > EventLimits.MaxIdLength
            ? Invalid("product_id", $"A product id is 1 to {EventLimits.MaxIdLength} characters, not blank.")
            : null;

    /// <summary>
    /// The product id as the client sent it. Routing leaves an encoded slash (%2F) encoded in the route value, and ingest
    /// accepts ids with '/', so such an id is taken from the raw request target (where "%252F" stays a literal "%2F").
    /// </summary>
    public static string ProductIdOf(HttpContext http, string routeValue)
    {
        if (!routeValue.Contains("%2F", StringComparison.OrdinalIgnoreCase))
        {
            return routeValue;
        }

        const string Prefix = "/v1/products/";
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (raw is null || !raw.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return routeValue.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        }

        var end = raw.IndexOfAny(['/', '?'], Prefix.Length);
        return Uri.UnescapeDataString(end < 0 ? raw[Prefix.Length..] : raw[Prefix.Length..end]);
    }

    public static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    public static IResult Unavailable(HttpContext http, string detail)
    {
        http.Response.Headers.RetryAfter = "5";
        return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Live profiles unavailable", detail: detail);
    }

    /// <summary>The refusal of a stream <see cref="SubscriberSlots.TryTake"/> found no slot for.</summary>
    public static IResult NoSlot(HttpContext http, SubscriberSlots slots, SlotRefusal refusal) =>
        refusal == SlotRefusal.ClientFull ? TooManyFromClient(http, slots.MaxPerClient) : TooManySubscribers(http, slots.Max);

    /// <summary>429: the client's other streams keep running; one of them ending frees a slot.</summary>
    public static IResult TooManyFromClient(HttpContext http, int max)
    {
        http.Response.Headers.RetryAfter = "10";
        return Results.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many live streams from this address",
            detail: string.Create(CultureInfo.InvariantCulture, $"An address may hold at most {max} live streams open at once (Widgets__MaxSubscribersPerClient); close one first."));
    }

    public static IResult TooManySubscribers(HttpContext http, int max)
    {
        http.Response.Headers.RetryAfter = "10";
        return Results.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Too many live streams",
            detail: string.Create(CultureInfo.InvariantCulture, $"This gateway instance serves at most {max} live streams; try again later."));
    }
}
