using FluentValidation;
using Microsoft.Extensions.Options;
using Streaming.Events;

namespace Streaming.Gateway.Metrics;

/// <summary>Query parameters of the bookings endpoints, as received.</summary>
public sealed record BookingsQuery(string? From, string? To, string? ProductId);

public sealed class BookingsQueryValidator : AbstractValidator<BookingsQuery>
{
    static BookingsQueryValidator() => WireNames.UseForValidation();

    public BookingsQueryValidator(IOptions<GatewayOptions> options)
    {
        var maxRange = options.Value.MaxRange;
        RuleFor(q => q.From).NotEmpty()
            .Must(t => EventTime.TryParse(t, out _)).WithMessage("from must be an ISO-8601 timestamp with an offset, e.g. 2026-11-21T10:00:00Z");
        RuleFor(q => q.To).NotEmpty()
            .Must(t => EventTime.TryParse(t, out _)).WithMessage("to must be an ISO-8601 timestamp with an offset, e.g. 2026-11-21T11:00:00Z");
        RuleFor(q => q)
            .Must(q => EventTime.Parse(q.To!) > EventTime.Parse(q.From!)).WithMessage("to must be after from").OverridePropertyName("to")
            .Must(q => EventTime.Parse(q.To!) - EventTime.Parse(q.From!) <= maxRange)
            .WithMessage($"the range from..to may span at most {maxRange.TotalHours:0} hours")
            .When(q => EventTime.TryParse(q.From, out _) && EventTime.TryParse(q.To, out _));
        RuleFor(q => q.ProductId).MaximumLength(IngestLimits.MaxIdLength);
    }
}
