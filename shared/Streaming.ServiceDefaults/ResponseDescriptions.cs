using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.OpenApi;

namespace Streaming.ServiceDefaults;

/// <summary>OpenAPI helpers shared by the services that publish a document.</summary>
public static class ResponseDescriptions
{
    /// <summary>Says what a documented response means; without it OpenAPI shows the status's reason phrase.</summary>
    public static TBuilder DescribeResponse<TBuilder>(this TBuilder builder, int statusCode, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (operation.Responses?.GetValueOrDefault(statusCode.ToString(CultureInfo.InvariantCulture)) is OpenApiResponse response)
            {
                response.Description = description;
            }

            return Task.CompletedTask;
        });
}
