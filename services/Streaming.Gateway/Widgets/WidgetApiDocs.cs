using System.Globalization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Streaming.Events;

namespace Streaming.Gateway.Widgets;

/// <summary>What the OpenAPI document says about the widget endpoints' parameters (they bind as text, validated by hand).</summary>
public static class WidgetApiDocs
{
    public static void Configure(OpenApiOptions options) => options.AddOperationTransformer(DescribeAsync);

    private static Task DescribeAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (!context.Description.ActionDescriptor.EndpointMetadata.OfType<TagsAttribute>().Any(t => t.Tags.Contains(WidgetEndpoints.Tag)))
        {
            return Task.CompletedTask;
        }

        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            switch (parameter.Name)
            {
                case "product_id" when parameter.In == ParameterLocation.Path:
                    parameter.Description = $"The product, as events name it: 1 to {EventLimits.MaxIdLength} characters, not blank.";
                    parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = EventLimits.MaxIdLength };
                    break;
                case "city":
                    parameter.Description = "Only bookings in this city (case-insensitive).";
                    parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = EventLimits.MaxTextLength };
                    break;
                case "category":
                    parameter.Description = "Only bookings of this category (case-insensitive).";
                    parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = EventLimits.MaxTextLength };
                    break;
                case "limit":
                    parameter.Description = "How many bookings: the newest ones.";
                    parameter.Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Integer,
                        Minimum = "1",
                        Maximum = JustBookedEndpoint.MaxLimit.ToString(CultureInfo.InvariantCulture),
                        Default = JustBookedEndpoint.DefaultLimit,
                    };
                    break;
            }
        }

        return Task.CompletedTask;
    }
}
