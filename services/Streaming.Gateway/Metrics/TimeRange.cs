using FluentValidation;
using Streaming.Events;

namespace Streaming.Gateway.Metrics;

/// <summary>Every metrics query names a time range [from, to) as ISO-8601 timestamps with an offset.</summary>
public interface ITimeRangeQuery
{
    string? From { get; }

    string? To { get; }
}

/// <summary>
/// The rules every metrics endpoint shares: both ends present and parseable, to after from, and the range no wider
/// than <see cref="GatewayOptions.MaxRange"/> (a wide range is a full scan of the minute tables).
/// </summary>
public sealed class TimeRangeValidator : AbstractValidator<ITimeRangeQuery>
{
    static TimeRangeValidator() => WireNames.UseForValidation();

    public TimeRangeValidator(TimeSpan maxRange)
    {
        RuleFor(q => q.From).NotEmpty()
            .Must(t => EventTime.TryParse(t, out _)).WithMessage("from must be an ISO-8601 timestamp with an offset, e.g. 2026-11-21T10:00:00Z");
        RuleFor(q => q.To).NotEmpty()
            .Must(t => EventTime.TryParse(t, out _)).WithMessage("to must be an ISO-8601 timestamp with an offset, e.g. 2026-11-21T11:00:00Z");
        RuleFor(q => q)
            .Must(q => EventTime.Parse(q.To!) > EventTime.Parse(q.From!)).WithMessage("to must be after from").OverridePropertyName("to")
            .Must(q => EventTime.Parse(q.To!) - EventTime.Parse(q.From!) <= maxRange)
            .WithMessage($"the range from..to may span at most {Describe(maxRange)}")
            .When(q => EventTime.TryParse(q.From, out _) && EventTime.TryParse(q.To, out _));
    }

    /// <summary>The range of a query that passed validation.</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) Parse(ITimeRangeQuery query) =>
        (EventTime.Parse(query.From!), EventTime.Parse(query.To!));

    /// <summary>A range as the 400 and the API document state it: "168 hours".</summary>
    public static string Describe(TimeSpan range) =>
        range.TotalHours >= 1 ? $"{range.TotalHours:0.##} hours" : $"{range.TotalMinutes:0.##} minutes";
}
