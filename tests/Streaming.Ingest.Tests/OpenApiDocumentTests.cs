using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Streaming.Events;

namespace Streaming.Ingest.Tests;

/// <summary>/openapi/v1.json against ingest's actual routes and JSON, its API key scheme, and the /docs page; neither needs a key.</summary>
public sealed class OpenApiDocumentTests(IngestFactory factory) : IClassFixture<IngestFactory>
{
    /// <summary>Routes that are not the API: health for orchestrators, Prometheus metrics, the document and its page (Scalar's).</summary>
    private static readonly string[] Infrastructure =
    [
        "/healthz", "/readyz", "/metrics", "/openapi/{documentName}.json",
        "/docs/{documentName?}", "/docs/scalar.js", "/docs/scalar.aspnetcore.js", "/docs/favicon.svg",
    ];

    private async Task<JsonObject> DocumentAsync()
    {
        // No X-Api-Key: the document is public.
        using var response = await factory.CreateClient().GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    private List<RouteEndpoint> ApiEndpoints() =>
        [.. factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => !Infrastructure.Contains(PathOf(e)))];

    private static string PathOf(RouteEndpoint endpoint) => "/" + endpoint.RoutePattern.RawText!.TrimStart('/');

    private static JsonObject Events(JsonObject document) =>
        document["paths"]?["/v1/events"]?["post"]?.AsObject() ?? throw new Xunit.Sdk.XunitException("post /v1/events is not in the document.");

    private static JsonObject Schema(JsonObject document, JsonNode? schemaOrReference)
    {
        var reference = schemaOrReference?["$ref"]?.GetValue<string>();
        return reference is null
            ? schemaOrReference!.AsObject()
            : document["components"]!["schemas"]![reference["#/components/schemas/".Length..]]!.AsObject();
    }

    private static string[] Strings(JsonNode? array) => [.. array!.AsArray().Select(v => v!.GetValue<string>())];

    [Fact]
    public async Task Every_route_is_documented_with_its_method_and_every_documented_operation_is_a_route()
    {
        var document = await DocumentAsync();
        var routes = ApiEndpoints()
            .SelectMany(e => e.Metadata.GetRequiredMetadata<IHttpMethodMetadata>().HttpMethods.Select(m => (PathOf(e), m.ToLowerInvariant())))
            .ToHashSet();
        var documented = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(operation => (path.Key, operation.Key))).ToHashSet();

        Assert.Equal([("/v1/events", "post")], routes);
        Assert.Equal(routes.Order(), documented.Order());
    }

    [Fact]
    public async Task Posting_events_takes_no_query_parameters_and_its_body_is_an_array_of_events()
    {
        var document = await DocumentAsync();
        var operation = Events(document);
        var handler = ApiEndpoints().Single().Metadata.GetRequiredMetadata<MethodInfo>();

        Assert.DoesNotContain(handler.GetParameters(), p => p.GetCustomAttribute<FromQueryAttribute>() is not null);
        Assert.Null(operation["parameters"]);
        var body = operation["requestBody"]!;
        Assert.True(body["required"]!.GetValue<bool>());
        var array = body["content"]!["application/json"]!["schema"]!;
        Assert.Equal("array", array["type"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/IncomingEvent", array["items"]!["$ref"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_event_schema_has_every_field_the_endpoint_reads_in_snake_case_with_the_validators_rules()
    {
        var document = await DocumentAsync();
        var schema = document["components"]!["schemas"]!["IncomingEvent"]!.AsObject();
        var full = new IncomingEvent("e-1", "booking_confirmed", "u1", "s1", "p1", "2026-11-21T10:00:00Z", "ios", "KR", "Seoul", 1, "KRW", "tour");
        var fields = JsonSerializer.SerializeToNode(new List<IncomingEvent> { full }, EventJsonContext.Default.ListIncomingEvent)![0]!.AsObject();
        var properties = schema["properties"]!.AsObject();

        Assert.Equal(fields.Select(f => f.Key).Order(), properties.Select(p => p.Key).Order());
        Assert.Equal(
            ["country", "event_id", "occurred_at", "platform", "session_id", "type", "user_id"],
            Strings(schema["required"]).Order());
        Assert.False(schema["additionalProperties"]!.GetValue<bool>());
        Assert.Equal(EventTypes.All.Order(), Strings(properties["type"]!["enum"]).Order());
        Assert.Equal(Platforms.All.Order(), Strings(properties["platform"]!["enum"]).Order());
        Assert.Equal("date-time", properties["occurred_at"]!["format"]!.GetValue<string>());
        Assert.Equal(EventLimits.MaxIdLength, properties["event_id"]!["maxLength"]!.GetValue<int>());
        Assert.All(properties, p => Assert.False(string.IsNullOrWhiteSpace(p.Value!["description"]?.GetValue<string>()), $"{p.Key} has no description"));
    }

    [Fact]
    public async Task The_documented_example_event_is_accepted()
    {
        var example = (await DocumentAsync())["components"]!["schemas"]!["IncomingEvent"]!["examples"]![0]!.DeepClone().AsObject();
        // The example's time is fixed; the test's clock decides what counts as recent.
        example["occurred_at"] = IngestFactory.Now.AddMinutes(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events")
        {
            Content = new StringContent(new JsonArray(example).ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Api-Key", IngestFactory.ApiKey);

        using var response = await factory.CreateClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Posting_events_documents_its_answer_and_every_problem_as_problem_json()
    {
        var document = await DocumentAsync();
        var responses = Events(document)["responses"]!.AsObject();

        Assert.Equal(["202", "400", "401", "403", "413", "429", "503"], responses.Select(r => r.Key).Order());
        var accepted = Schema(document, responses["202"]!["content"]!["application/json"]!["schema"]);
        Assert.Equal(["accepted"], accepted["properties"]!.AsObject().Select(p => p.Key));
        foreach (var status in new[] { "400", "401", "403", "413", "429", "503" })
        {
            var problem = Schema(document, responses[status]!["content"]?["application/problem+json"]?["schema"]);
            Assert.NotNull(problem["properties"]!["status"]);
        }

        // 400 and 413 name the offending field or the body.
        Assert.NotNull(Schema(document, responses["400"]!["content"]!["application/problem+json"]!["schema"])["properties"]!["errors"]);
        Assert.NotNull(Schema(document, responses["413"]!["content"]!["application/problem+json"]!["schema"])["properties"]!["errors"]);
        Assert.All(responses, r => Assert.False(string.IsNullOrWhiteSpace(r.Value!["description"]?.GetValue<string>())));
    }

    [Fact]
    public async Task The_api_key_header_is_declared_and_required_by_posting_events()
    {
        var document = await DocumentAsync();
        var scheme = document["components"]!["securitySchemes"]!["ApiKey"]!;

        Assert.Equal(("apiKey", "header", "X-Api-Key"), (scheme["type"]!.GetValue<string>(), scheme["in"]!.GetValue<string>(), scheme["name"]!.GetValue<string>()));
        var requirement = Assert.Single(Events(document)["security"]!.AsArray())!.AsObject();
        Assert.Equal(["ApiKey"], requirement.Select(r => r.Key));
    }

    [Fact]
    public async Task The_docs_page_needs_no_key_and_loads_the_document()
    {
        using var http = factory.CreateClient();
        using var page = await http.GetAsync("/docs");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<title>Streaming ingest API</title>", html, StringComparison.Ordinal);
        // Scalar resolves the source against the site root: /openapi/v1.json.
        Assert.Contains("\"url\":\"openapi/v1.json\"", html, StringComparison.Ordinal);
        using var script = await http.GetAsync("/docs/scalar.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }
}
