using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Streaming.Gateway.ApiDocs;

/// <summary>What the OpenAPI document of the gateway says beyond the endpoint metadata.</summary>
public static class GatewayApiDocument
{
    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Streaming gateway",
                Version = "v1",
                Description = "Per-minute metrics from ClickHouse: active users, bookings and popular products. Every range is "
                    + "[from, to) in whole minutes; money is in minor units per currency; provisional rows may still change. "
                    + "Generated from the service's endpoints.",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer(MetricsQueryParameters.DescribeAsync);
        options.AddSchemaTransformer(OmittedWhenNullAsync);
    }

    /// <summary>The /docs page, without anything that calls out to Scalar's services or fonts.</summary>
    public static void ConfigurePage(ScalarOptions page) => page
        .WithTitle("Streaming gateway API")
        .HideDeveloperTools()
        .DisableAgent()
        .DisableTelemetry()
        .DisableDefaultFonts();

    /// <summary>
    /// A property the serializer leaves out when it is null (<c>product_id</c> of a bookings row for other dimensions) is
    /// not required, and is never null when present; the generator, going by the constructor, says the opposite.
    /// </summary>
    private static Task OmittedWhenNullAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Properties is null || context.JsonTypeInfo.Kind != JsonTypeInfoKind.Object)
        {
            return Task.CompletedTask;
        }

        foreach (var property in context.JsonTypeInfo.Properties.Where(p => p.ShouldSerialize is not null))
        {
            schema.Required?.Remove(property.Name);
            if (schema.Properties.TryGetValue(property.Name, out var value) && value is OpenApiSchema propertySchema)
            {
                propertySchema.Type &= ~JsonSchemaType.Null;
            }
        }

        return Task.CompletedTask;
    }
}
