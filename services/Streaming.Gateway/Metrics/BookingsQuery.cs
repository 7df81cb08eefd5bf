using FluentValidation;
using Microsoft.Extensions.Options;
using Streaming.Events;
using Streaming.Metrics;

namespace Streaming.Gateway.Metrics;

/// <summary>
/// Query parameters of /v1/metrics/bookings, as received. <c>product_id</c> predates the dimensions and stays as
/// shorthand for <c>dimension=product&amp;value=…</c>.
/// </summary>
public sealed record BookingsQuery(string? From, string? To, string? Dimension = null, string? Value = null, string? ProductId = null)
    : ITimeRangeQuery
{
    public static readonly IReadOnlyList<string> Dimensions = [ResultDimensions.Product, ResultDimensions.Category, ResultDimensions.City];

    /// <summary>The dimension of a valid query: "product" when the request names none (the endpoint's first meaning).</summary>
    public string DimensionOrDefault => string.IsNullOrEmpty(Dimension) ? ResultDimensions.Product : Dimension;

    /// <summary>The dimension value to filter on in a valid query, or null for every value.</summary>
    public string? ValueOrProductId => !string.IsNullOrEmpty(Value) ? Value : string.IsNullOrEmpty(ProductId) ? null : ProductId;
}

public sealed class BookingsQueryValidator : AbstractValidator<BookingsQuery>
{
    public BookingsQueryValidator(IOptions<GatewayOptions> options)
    {
        Include(new TimeRangeValidator(options.Value.MaxRange));
        RuleFor(q => q.Dimension)
            .Must(d => string.IsNullOrEmpty(d) || BookingsQuery.Dimensions.Contains(d))
            .WithMessage($"dimension must be one of {string.Join(", ", BookingsQuery.Dimensions)}");
        RuleFor(q => q.Value).MaximumLength(EventLimits.MaxIdLength);
        RuleFor(q => q.ProductId).MaximumLength(EventLimits.MaxIdLength);
        // Two filters that could disagree are refused rather than one of them silently winning.
        RuleFor(q => q.ProductId).Empty()
            .When(q => !string.IsNullOrEmpty(q.Value) || q.DimensionOrDefault != ResultDimensions.Product)
            .WithMessage("product_id is shorthand for dimension=product&value=…; do not combine it with value or another dimension");
    }
}
