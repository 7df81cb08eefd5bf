using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;
using Streaming.ServiceDefaults.Clients;

namespace Streaming.Ingest.ApiDocs;

/// <summary>
/// What the OpenAPI document of ingest says beyond the endpoint metadata: the API key scheme, which operations need it,
/// and the event schema's rules (the request body is read by hand, so the generator knows only the shape).
/// </summary>
public static class IngestApiDocument
{
    public const string ApiKeyScheme = "ApiKey";

    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Streaming ingest",
                Version = "v1",
                Description = "Accepts app events in batches and writes them to Kafka. Generated from the service's endpoints.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
            document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiScopeFilter.Header,
                Description = "A key of a client with the ingest scope (Clients__<name>__Keys__N).",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            if (context.Description.ActionDescriptor.EndpointMetadata.OfType<ApiScopeRequired>().Any())
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [] });
            }

            return Task.CompletedTask;
        });
        options.AddSchemaTransformer(IncomingEventSchema.DescribeAsync);
    }

    /// <summary>The /docs page: the key scheme preselected, and nothing that calls out to Scalar's services or fonts.</summary>
    public static void ConfigurePage(ScalarOptions page) => page
        .WithTitle("Streaming ingest API")
        .AddPreferredSecuritySchemes(ApiKeyScheme)
        .HideDeveloperTools()
        .DisableAgent()
        .DisableTelemetry()
        .DisableDefaultFonts();
}
