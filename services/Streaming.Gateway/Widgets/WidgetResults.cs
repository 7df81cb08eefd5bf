using System.Globalization;
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

    public static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    public static IResult Unavailable(HttpContext http, string detail)
    {
        http.Response.Headers.RetryAfter = "5";
        return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Live profiles unavailable", detail: detail);
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
