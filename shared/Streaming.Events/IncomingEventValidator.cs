using FluentValidation;

namespace Streaming.Events;

/// <summary>The validation rules of schema v1. Property names in errors are the wire names (snake_case).</summary>
public sealed class IncomingEventValidator : AbstractValidator<IncomingEvent>
{
    static IncomingEventValidator() => WireNames.UseForValidation();

    public IncomingEventValidator(TimeProvider clock, EventLimits limits)
    {
        RuleFor(e => e.EventId).NotEmpty().MaximumLength(EventLimits.MaxIdLength)
            .Must(BeIdentifier).WithMessage("event_id may contain only letters, digits and - _ . :");
        RuleFor(e => e.Type).NotEmpty()
            .Must(t => t is null || EventTypes.All.Contains(t))
            .WithMessage(e => $"type '{Truncate(e.Type)}' is unknown; expected one of {string.Join(", ", EventTypes.All)}");
        RuleFor(e => e.UserId).NotEmpty().MaximumLength(EventLimits.MaxIdLength);
        RuleFor(e => e.SessionId).NotEmpty().MaximumLength(EventLimits.MaxIdLength);
        RuleFor(e => e.ProductId).MaximumLength(EventLimits.MaxIdLength);
        RuleFor(e => e.ProductId).NotEmpty().When(e => e.Type is not null && EventTypes.WithProduct.Contains(e.Type))
            .WithMessage(e => $"product_id is required for {e.Type} events");
        RuleFor(e => e.OccurredAt).NotEmpty().DependentRules(() =>
        {
            RuleFor(e => e.OccurredAt)
                .Must(t => EventTime.TryParse(t, out _))
                .WithMessage("occurred_at must be an ISO-8601 timestamp with an offset, e.g. 2026-11-21T10:15:00Z")
                .DependentRules(() =>
                {
                    RuleFor(e => e.OccurredAt)
                        .Must(t => EventTime.Parse(t!) <= clock.GetUtcNow() + limits.MaxClockSkew)
                        .WithMessage($"occurred_at is more than {limits.MaxClockSkew.TotalMinutes:0} minutes in the future")
                        .Must(t => EventTime.Parse(t!) >= clock.GetUtcNow() - limits.MaxEventAge)
                        .WithMessage($"occurred_at is more than {limits.MaxEventAge.TotalDays:0} days old");
                });
        });
        RuleFor(e => e.Platform).NotEmpty()
            .Must(p => p is null || Platforms.All.Contains(p))
            .WithMessage($"platform must be one of {string.Join(", ", Platforms.All)}");
        RuleFor(e => e.Country).NotEmpty()
            .Matches("^[A-Z]{2}$").WithMessage("country must be an ISO 3166-1 alpha-2 code in capitals, e.g. KR");
        RuleFor(e => e.City).MaximumLength(EventLimits.MaxTextLength);
        RuleFor(e => e.Category).MaximumLength(EventLimits.MaxTextLength);
        // Separate rules: a When() in a chain would also guard the validators before it.
        RuleFor(e => e.Amount).NotNull().When(e => e.Type is not null && EventTypes.WithAmount.Contains(e.Type))
            .WithMessage(e => $"amount (minor units) is required for {e.Type} events");
        RuleFor(e => e.Amount).Must(a => a >= 0).When(e => e.Amount is not null)
            .WithMessage("amount must not be negative");
        RuleFor(e => e.Currency).NotEmpty().When(e => e.Amount is not null)
            .WithMessage("currency is required when amount is given");
        RuleFor(e => e.Currency).Matches("^[A-Z]{3}$").When(e => e.Currency is not null)
            .WithMessage("currency must be an ISO 4217 code in capitals, e.g. KRW");
    }

    private static bool BeIdentifier(string? id) =>
        id is null || id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');

    private static string Truncate(string? text) => text is { Length: > 40 } ? text[..40] + "…" : text ?? "";
}
