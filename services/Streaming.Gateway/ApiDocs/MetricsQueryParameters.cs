using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Streaming.Events;
using Streaming.Gateway.Metrics;

namespace Streaming.Gateway.ApiDocs;

/// <summary>The dimensions a metrics endpoint accepts, and the one it uses when the request names none.</summary>
public sealed record DimensionChoices(IReadOnlyList<string> Dimensions, string Default);

/// <summary>An endpoint whose from..to may span at most this (instead of Gateway options' MaxRange).</summary>
public sealed record RangeLimit(TimeSpan MaxRange);

/// <summary>
/// Describes the query parameters of the metrics endpoints. They bind as text so that the validators can name a bad one
/// in the 400; the schemas here say which values those validators accept (limits as configured in Gateway options).
/// </summary>
public static class MetricsQueryParameters
{
    public static Task DescribeAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var options = context.ApplicationServices.GetRequiredService<IOptions<GatewayOptions>>().Value;
        var dimensions = context.Description.ActionDescriptor.EndpointMetadata.OfType<DimensionChoices>().SingleOrDefault();
        var maxRange = context.Description.ActionDescriptor.EndpointMetadata.OfType<RangeLimit>().SingleOrDefault()?.MaxRange ?? options.MaxRange;
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (parameter.In == ParameterLocation.Query)
            {
                Describe(parameter, options, maxRange, dimensions);
            }
        }

        return Task.CompletedTask;
    }

    private static void Describe(OpenApiParameter parameter, GatewayOptions options, TimeSpan maxRange, DimensionChoices? dimensions)
    {
        switch (parameter.Name)
        {
            case "from":
                parameter.Required = true;
                parameter.Description = "Start of the range, inclusive: ISO-8601 with an offset (Z or +09:00).";
                parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" };
                parameter.Example = "2026-11-21T10:00:00Z";
                break;
            case "to":
                parameter.Required = true;
                parameter.Description = $"End of the range, exclusive: ISO-8601 with an offset; after from and at most {TimeRangeValidator.Describe(maxRange)} later.";
                parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" };
                parameter.Example = "2026-11-21T11:00:00Z";
                break;
            case "dimension" when dimensions is not null:
                parameter.Description = $"The series to return: one of {string.Join(", ", dimensions.Dimensions)}.";
                parameter.Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Enum = [.. dimensions.Dimensions.Select(d => (JsonNode)JsonValue.Create(d))],
                    Default = dimensions.Default,
                };
                break;
            case "value":
                parameter.Description = "Only rows of this dimension value (a platform, country, product id, category or city).";
                parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = EventLimits.MaxIdLength };
                break;
            case "product_id":
                parameter.Description = "Shorthand for dimension=product&value=…, kept for the first clients; not combined with value or another dimension.";
                parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = EventLimits.MaxIdLength };
                break;
            case "n":
                parameter.Description = "How many products: over the whole range, or in each minute with per_minute=true.";
                parameter.Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Integer,
                    Minimum = "1",
                    Maximum = options.MaxTopN.ToString(CultureInfo.InvariantCulture),
                    Default = options.DefaultTopN,
                };
                break;
            case "per_minute":
                parameter.Description = "true: the top n of every minute, ranked within the minute; false: the top n over the whole range.";
                parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.Boolean, Default = false };
                break;
        }
    }
}
