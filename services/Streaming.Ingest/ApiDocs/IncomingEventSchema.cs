using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Streaming.Events;

namespace Streaming.Ingest.ApiDocs;

/// <summary>
/// The rules of <see cref="IncomingEventValidator"/> written into the schema of <see cref="IncomingEvent"/>. Every field of
/// the record is nullable so that the validator, not the JSON reader, names what is missing; the schema says what is
/// required instead.
/// </summary>
public static class IncomingEventSchema
{
    private const string Identifier = "^[A-Za-z0-9._:-]+$";
    private const string IdRule = "No whitespace at either end, no invisible format characters, none of < > \" ' ` \\; '/' is allowed.";

    public static Task DescribeAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonTypeInfo.Type != typeof(IncomingEvent) || schema.Properties is null)
        {
            return Task.CompletedTask;
        }

        var limits = context.ApplicationServices.GetRequiredService<EventLimits>();
        schema.Description = "One event of schema v1. Unknown fields and a field given twice are refused, so that a misspelt or repeated field is not "
            + "silently lost. No string may hold control characters (U+0000-001F, U+007F-009F), bidirectional controls, U+2028/2029 or unpaired surrogates.";
        schema.AdditionalPropertiesAllowed = EventJsonContext.Default.Options.UnmappedMemberHandling != JsonUnmappedMemberHandling.Disallow;
        schema.Required = new HashSet<string>(StringComparer.Ordinal);
        Required(schema, nameof(IncomingEvent.EventId), "Unique per event; consumers drop duplicates by it.", maxLength: EventLimits.MaxIdLength, pattern: Identifier);
        Required(schema, nameof(IncomingEvent.Type), "The event type.", choices: EventTypes.All);
        Required(schema, nameof(IncomingEvent.UserId), "The user; a user's events stay in order. " + IdRule, maxLength: EventLimits.MaxIdLength);
        Required(schema, nameof(IncomingEvent.SessionId), "The app session. " + IdRule, maxLength: EventLimits.MaxIdLength);
        Field(
            schema, nameof(IncomingEvent.ProductId), $"Required for {string.Join(", ", EventTypes.WithProduct.Order(StringComparer.Ordinal))}. {IdRule}",
            maxLength: EventLimits.MaxIdLength);
        Required(
            schema, nameof(IncomingEvent.OccurredAt),
            $"RFC 3339 exactly (2026-11-21T10:15:00Z, 2026-11-21T19:15:00.250+09:00; 0 to 7 fractional digits); at most {limits.MaxClockSkew.TotalMinutes:0} minutes in the future and "
            + $"{limits.MaxEventAge.TotalDays:0} days in the past.",
            format: "date-time");
        Required(schema, nameof(IncomingEvent.Platform), "The client platform.", choices: Platforms.All);
        Required(schema, nameof(IncomingEvent.Country), "ISO 3166-1 alpha-2, in capitals.", pattern: "^[A-Z]{2}$");
        Field(
            schema, nameof(IncomingEvent.City), "The city the event is about (the product's for product events, else the user's); not whitespace alone.",
            maxLength: EventLimits.MaxTextLength);
        Field(schema, nameof(IncomingEvent.Category), "The product's category; bookings by category count an absent one as ''; not whitespace alone.", maxLength: EventLimits.MaxTextLength);
        Field(
            schema, nameof(IncomingEvent.Amount),
            $"Whole minor units (cents; won and yen have none), not negative. Required for {string.Join(", ", EventTypes.WithAmount.Order(StringComparer.Ordinal))}.",
            minimum: 0);
        Field(schema, nameof(IncomingEvent.Currency), "ISO 4217, in capitals; required with an amount.", pattern: "^[A-Z]{3}$");
        schema.Examples =
        [
            new JsonObject
            {
                ["event_id"] = "e-1",
                ["type"] = EventTypes.BookingConfirmed,
                ["user_id"] = "u42",
                ["session_id"] = "s9",
                ["product_id"] = "tour-seoul-001",
                ["occurred_at"] = "2026-11-21T10:15:00Z",
                ["platform"] = "ios",
                ["country"] = "KR",
                ["city"] = "Seoul",
                ["category"] = "tour",
                ["amount"] = 45000,
                ["currency"] = "KRW",
            },
        ];
        return Task.CompletedTask;
    }

    /// <summary>A field the validator refuses to miss: listed as required, and not nullable.</summary>
    private static void Required(
        OpenApiSchema schema, string member, string description,
        int? maxLength = null, string? pattern = null, string? format = null, IEnumerable<string>? choices = null)
    {
        var field = Field(schema, member, description, maxLength, pattern, format, choices);
        field.Type &= ~JsonSchemaType.Null;
        schema.Required!.Add(WireNames.ToWire(member));
    }

    private static OpenApiSchema Field(
        OpenApiSchema schema, string member, string description,
        int? maxLength = null, string? pattern = null, string? format = null, IEnumerable<string>? choices = null, long? minimum = null)
    {
        var name = WireNames.ToWire(member);
        if (schema.Properties is null || !schema.Properties.TryGetValue(name, out var property) || property is not OpenApiSchema field)
        {
            throw new InvalidOperationException($"The schema of {nameof(IncomingEvent)} has no property {name}.");
        }

        field.Description = description;
        field.MaxLength = maxLength ?? field.MaxLength;
        field.Pattern = pattern ?? field.Pattern;
        field.Format = format ?? field.Format;
        field.Minimum = minimum?.ToString(CultureInfo.InvariantCulture) ?? field.Minimum;
        if (choices is not null)
        {
            field.Enum = [.. choices.Order(StringComparer.Ordinal).Select(c => (JsonNode)JsonValue.Create(c))];
        }

        return field;
    }
}
