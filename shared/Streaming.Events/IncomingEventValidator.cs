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
        Text(e => e.UserId, "user_id", EventText.IdProblem);
        Text(e => e.SessionId, "session_id", EventText.IdProblem);
        Text(e => e.ProductId, "product_id", EventText.IdProblem);
        RuleFor(e => e.ProductId).NotEmpty().When(e => e.Type is not null && EventTypes.WithProduct.Contains(e.Type))
            .WithMessage(e => $"product_id is required for {e.Type} events");
        RuleFor(e => e.OccurredAt).NotEmpty().DependentRules(() =>
        {
            RuleFor(e => e.OccurredAt)
                .Must(t => EventTime.TryParseRfc3339(t, out _))
                .WithMessage("occurred_at must be an RFC 3339 timestamp, e.g. 2026-11-21T10:15:00Z or 2026-11-21T19:15:00.250+09:00")
                .DependentRules(() =>
                {
                    RuleFor(e => e.OccurredAt)
                        .Must(t => EventTime.ParseRfc3339(t!) <= clock.GetUtcNow() + limits.MaxClockSkew)
                        .WithMessage($"occurred_at is more than {limits.MaxClockSkew.TotalMinutes:0} minutes in the future")
                        .Must(t => EventTime.ParseRfc3339(t!) >= clock.GetUtcNow() - limits.MaxEventAge)
                        .WithMessage($"occurred_at is more than {limits.MaxEventAge.TotalDays:0} days old");
                });
        });
        RuleFor(e => e.Platform).NotEmpty()
            .Must(p => p is null || Platforms.All.Contains(p))
            .WithMessage($"platform must be one of {string.Join(", ", Platforms.All)}");
        // \z, not $: $ also matches before a final newline ("KR\n").
        RuleFor(e => e.Country).NotEmpty()
            .Matches(@"^[A-Z]{2}\z").WithMessage("country must be an ISO 3166-1 alpha-2 code in capitals, e.g. KR");
        RuleFor(e => e.City).MaximumLength(EventLimits.MaxTextLength);
        RuleFor(e => e.Category).MaximumLength(EventLimits.MaxTextLength);
        // "" counts as absent (consumers skip it); a name of spaces alone would become a blank key.
        RuleFor(e => e.City).Must(c => c is not { Length: > 0 } || !string.IsNullOrWhiteSpace(c)).WithMessage("city must not be only whitespace; leave it out instead");
        RuleFor(e => e.Category).Must(c => c is not { Length: > 0 } || !string.IsNullOrWhiteSpace(c)).WithMessage("category must not be only whitespace; leave it out instead");
        Text(e => e.City, "city", EventText.NameProblem);
        Text(e => e.Category, "category", EventText.NameProblem);
        // Separate rules: a When() in a chain would also guard the validators before it.
        RuleFor(e => e.Amount).NotNull().When(e => e.Type is not null && EventTypes.WithAmount.Contains(e.Type))
            .WithMessage(e => $"amount (minor units) is required for {e.Type} events");
        RuleFor(e => e.Amount).Must(a => a >= 0).When(e => e.Amount is not null)
            .WithMessage("amount must not be negative");
        RuleFor(e => e.Currency).NotEmpty().When(e => e.Amount is not null)
            .WithMessage("currency is required when amount is given");
        RuleFor(e => e.Currency).Matches(@"^[A-Z]{3}\z").When(e => e.Currency is not null)
            .WithMessage("currency must be an ISO 4217 code in capitals, e.g. KRW");
    }

    /// <summary>The characters <paramref name="problem"/> refuses in a field; the enumerated and patterned fields refuse them already.</summary>
    private void Text(System.Linq.Expressions.Expression<Func<IncomingEvent, string?>> field, string name, Func<string, string?> problem) =>
        RuleFor(field).Must(v => v is null || problem(v) is null).WithMessage((_, v) => $"{name} {problem(v!)}");

    private static bool BeIdentifier(string? id) =>
        id is null || id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');

    private static string Truncate(string? text) => text is { Length: > 40 } ? text[..40] + "…" : text ?? "";
}
