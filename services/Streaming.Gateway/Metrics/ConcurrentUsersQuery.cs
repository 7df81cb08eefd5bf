using FluentValidation;
using Microsoft.Extensions.Options;
using Streaming.Events;
using Streaming.Metrics;

namespace Streaming.Gateway.Metrics;

/// <summary>Query parameters of /v1/metrics/concurrent-users, as received.</summary>
public sealed record ConcurrentUsersQuery(string? From, string? To, string? Dimension, string? Value) : ITimeRangeQuery
{
    public static readonly IReadOnlyList<string> Dimensions = [ResultDimensions.All, ResultDimensions.Platform, ResultDimensions.Country];

    /// <summary>The dimension of a valid query: "all" when the request names none.</summary>
    public string DimensionOrDefault => string.IsNullOrEmpty(Dimension) ? ResultDimensions.All : Dimension;
}

public sealed class ConcurrentUsersQueryValidator : AbstractValidator<ConcurrentUsersQuery>
{
    public ConcurrentUsersQueryValidator(IOptions<GatewayOptions> options)
    {
        Include(new TimeRangeValidator(options.Value.MaxRange));
        RuleFor(q => q.Dimension)
            .Must(d => string.IsNullOrEmpty(d) || ConcurrentUsersQuery.Dimensions.Contains(d))
            .WithMessage($"dimension must be one of {string.Join(", ", ConcurrentUsersQuery.Dimensions)}");
        RuleFor(q => q.Value).MaximumLength(EventLimits.MaxIdLength);
        // The "all" series has the one value "": a value there is a mistake that would silently return nothing.
        RuleFor(q => q.Value).Empty()
            .When(q => q.DimensionOrDefault == ResultDimensions.All)
            .WithMessage("value needs a dimension other than all (platform or country)");
    }
}
