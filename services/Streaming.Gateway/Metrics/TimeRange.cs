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
/// The rules every metrics endpoint shares: both ends present and parseable, within what the storage represents
/// (<see cref="Earliest"/> to <see cref="Latest"/>), to after from, and the range no wider than
/// <see cref="GatewayOptions.MaxRange"/> (a wide range is a full scan of the minute tables).
/// </summary>
public sealed class TimeRangeValidator : AbstractValidator<ITimeRangeQuery>
{
    /// <summary>ClickHouse's DateTime starts at the Unix epoch.</summary>
    public static readonly DateTimeOffset Earliest = DateTimeOffset.UnixEpoch;

    /// <summary>
    /// The end of 2105: ClickHouse's DateTime (32-bit seconds) wraps in February 2106, and a bound past it would compare
    /// as a time in 1970 (from=2163-… returned today's rows).
    /// </summary>
    public static readonly DateTimeOffset Latest = new(2106, 1, 1, 0, 0, 0, TimeSpan.Zero);

    static TimeRangeValidator() => WireNames.UseForValidation();

    public TimeRangeValidator(TimeSpan maxRange)
    {
        RuleFor(q => q.From).NotEmpty()
            .Must(t => EventTime.TryParse(t, out _)).WithMessage("from must be an ISO-8601 timestamp with an offset, e.g. 2026-11-21T10:00:00Z")
            .Must(Representable).WithMessage(OutOfStorage("from"));
        RuleFor(q => q.To).NotEmpty()
            .Must(t => EventTime.TryParse(t, out _)).WithMessage("to must be an ISO-8601 timestamp with an offset, e.g. 2026-11-21T11:00:00Z")
            .Must(Representable).WithMessage(OutOfStorage("to"));
        RuleFor(q => q)
            .Must(q => EventTime.Parse(q.To!) > EventTime.Parse(q.From!)).WithMessage("to must be after from").OverridePropertyName("to")
            .Must(q => EventTime.Parse(q.To!) - EventTime.Parse(q.From!) <= maxRange)
            .WithMessage($"the range from..to may span at most {Describe(maxRange)}")
            .When(q => EventTime.TryParse(q.From, out _) && EventTime.TryParse(q.To, out _));
    }

    /// <summary>An unparseable end is the rule before's to name.</summary>
    private static bool Representable(string? text) => !EventTime.TryParse(text, out var t) || (t >= Earliest && t <= Latest);

    private static string OutOfStorage(string name) => $"{name} must lie from 1970-01-01T00:00:00Z to 2106-01-01T00:00:00Z (what the metrics store represents)";

    /// <summary>The range of a query that passed validation.</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) Parse(ITimeRangeQuery query) =>
        (EventTime.Parse(query.From!), EventTime.Parse(query.To!));

    /// <summary>A range as the 400 and the API document state it: "168 hours".</summary>
    public static string Describe(TimeSpan range) =>
        range.TotalHours >= 1 ? $"{range.TotalHours:0.##} hours" : $"{range.TotalMinutes:0.##} minutes";
}
