using System.Globalization;
using FluentValidation;
using Microsoft.Extensions.Options;

namespace Streaming.Gateway.Metrics;

/// <summary>
/// Query parameters of /v1/metrics/popularity/top, as received. Numbers and flags arrive as text so that a bad one
/// is a 400 naming the parameter, not a binding failure without one.
/// </summary>
public sealed record PopularityTopQuery(string? From, string? To, string? N = null, string? PerMinute = null) : ITimeRangeQuery
{
    public int NOrDefault(int defaultN) => string.IsNullOrEmpty(N) ? defaultN : int.Parse(N, NumberStyles.None, CultureInfo.InvariantCulture);

    public bool IsPerMinute => bool.TryParse(PerMinute, out var perMinute) && perMinute;

    internal static bool IsCount(string? text, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= max;
}

public sealed class PopularityTopQueryValidator : AbstractValidator<PopularityTopQuery>
{
    public PopularityTopQueryValidator(IOptions<GatewayOptions> options)
    {
        var maxN = options.Value.MaxTopN;
        Include(new TimeRangeValidator(options.Value.MaxRange));
        RuleFor(q => q.N)
            .Must(n => PopularityTopQuery.IsCount(n, maxN))
            .When(q => !string.IsNullOrEmpty(q.N))
            .WithMessage($"n must be a whole number from 1 to {maxN}");
        RuleFor(q => q.PerMinute)
            .Must(p => bool.TryParse(p, out _))
            .When(q => !string.IsNullOrEmpty(q.PerMinute))
            .WithMessage("per_minute must be true or false");
    }
}
