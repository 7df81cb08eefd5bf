using System.Net;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Streaming.Gateway.Metrics;

namespace Streaming.Gateway.Tests;

/// <summary>/openapi/v1.json against the gateway's actual routes, binders and JSON, and the /docs page that renders it.</summary>
public sealed partial class OpenApiDocumentTests(GatewayFactory factory) : IClassFixture<GatewayFactory>
{
    /// <summary>Routes that are not the API: health for orchestrators, Prometheus metrics, the document and its page (Scalar's).</summary>
    private static readonly string[] Infrastructure =
    [
        "/healthz", "/readyz", "/metrics", "/openapi/{documentName}.json",
        "/docs/{documentName?}", "/docs/scalar.js", "/docs/scalar.aspnetcore.js", "/docs/favicon.svg",
        // Refuses an empty product id (/v1/products//live) as the documented live routes do; not an operation of its own.
        "/v1/products/{**rest}",
    ];

    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    /// <summary>Each metrics endpoint's query parameters, as clients send them.</summary>
    public static TheoryData<string, string[]> QueryParameters() => new()
    {
        { "/v1/metrics/concurrent-users", ["from", "to", "dimension", "value"] },
        { "/v1/metrics/bookings", ["from", "to", "dimension", "value", "product_id"] },
        { "/v1/metrics/bookings/per-minute", ["from", "to"] },
        { "/v1/metrics/popularity/top", ["from", "to", "n", "per_minute"] },
    };

    private async Task<JsonObject> DocumentAsync()
    {
        using var response = await factory.CreateClient().GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    private List<RouteEndpoint> ApiEndpoints() =>
        [.. factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => !Infrastructure.Contains(PathOf(e)))];

    private static string PathOf(RouteEndpoint endpoint) => "/" + endpoint.RoutePattern.RawText!.TrimStart('/');

    private static IEnumerable<(string Path, string Method)> Operations(RouteEndpoint endpoint) =>
        endpoint.Metadata.GetRequiredMetadata<IHttpMethodMetadata>().HttpMethods.Select(m => (PathOf(endpoint), m.ToLowerInvariant()));

    private static JsonObject Operation(JsonObject document, string path, string method = "get") =>
        document["paths"]?[path]?[method]?.AsObject() ?? throw new Xunit.Sdk.XunitException($"{method} {path} is not in the document.");

    private static JsonObject Schema(JsonObject document, JsonNode? schemaOrReference)
    {
        var reference = schemaOrReference?["$ref"]?.GetValue<string>();
        return reference is null
            ? schemaOrReference!.AsObject()
            : document["components"]!["schemas"]![reference["#/components/schemas/".Length..]]!.AsObject();
    }

    [Fact]
    public async Task Every_route_is_documented_with_its_method_and_every_documented_operation_is_a_route()
    {
        var document = await DocumentAsync();
        var routes = ApiEndpoints().SelectMany(Operations).ToHashSet();
        var documented = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(operation => (path.Key, operation.Key))).ToHashSet();

        Assert.NotEmpty(routes);
        Assert.Equal(routes.Order(), documented.Order());
        Assert.Contains(("/v1/metrics/bookings", "get"), routes);
    }

    [Theory]
    [MemberData(nameof(QueryParameters))]
    public async Task A_metrics_operation_lists_the_query_parameters_its_handler_binds_each_described(string path, string[] expected)
    {
        var operation = Operation(await DocumentAsync(), path);
        var handler = ApiEndpoints().Single(e => PathOf(e) == path).Metadata.GetRequiredMetadata<MethodInfo>();
        var bound = handler.GetParameters()
            .Select(p => (p, Query: p.GetCustomAttribute<FromQueryAttribute>()))
            .Where(p => p.Query is not null)
            .Select(p => p.Query!.Name ?? p.p.Name!);
        var parameters = operation["parameters"]!.AsArray().Select(p => p!.AsObject()).ToList();

        Assert.Equal(expected.Order(), bound.Order());
        Assert.Equal(expected.Order(), parameters.Select(p => p["name"]!.GetValue<string>()).Order());
        Assert.All(parameters, p =>
        {
            Assert.Equal("query", p["in"]!.GetValue<string>());
            Assert.False(string.IsNullOrWhiteSpace(p["description"]?.GetValue<string>()), $"{path}: {p["name"]} has no description");
            Assert.NotNull(p["schema"]?["type"]);
        });
        Assert.All(parameters.Where(p => p["name"]!.GetValue<string>() is "from" or "to"), p => Assert.True(p["required"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task Parameters_with_a_fixed_set_of_values_list_them_as_the_validators_accept_them()
    {
        var document = await DocumentAsync();

        static JsonObject ParameterSchema(JsonObject operation, string name) =>
            operation["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == name)!["schema"]!.AsObject();

        static string[] Enum(JsonObject schema) => [.. schema["enum"]!.AsArray().Select(v => v!.GetValue<string>())];

        var users = ParameterSchema(Operation(document, "/v1/metrics/concurrent-users"), "dimension");
        Assert.Equal(ConcurrentUsersQuery.Dimensions, Enum(users));
        Assert.Equal("all", users["default"]!.GetValue<string>());
        var bookings = ParameterSchema(Operation(document, "/v1/metrics/bookings"), "dimension");
        Assert.Equal(BookingsQuery.Dimensions, Enum(bookings));
        Assert.Equal("product", bookings["default"]!.GetValue<string>());
        var top = Operation(document, "/v1/metrics/popularity/top");
        var n = ParameterSchema(top, "n");
        Assert.Equal(("integer", 1, 1000, 100), (n["type"]!.GetValue<string>(), n["minimum"]!.GetValue<int>(), n["maximum"]!.GetValue<int>(), n["default"]!.GetValue<int>()));
        Assert.Equal("boolean", ParameterSchema(top, "per_minute")["type"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("/v1/metrics/concurrent-users")]
    [InlineData("/v1/metrics/bookings")]
    [InlineData("/v1/metrics/bookings/per-minute")]
    [InlineData("/v1/metrics/popularity/top")]
    public async Task A_metrics_operation_documents_its_answer_and_its_problems(string path)
    {
        var document = await DocumentAsync();
        var responses = Operation(document, path)["responses"]!.AsObject();

        Assert.Equal(["200", "400", "429", "503"], responses.Select(r => r.Key).Order());
        Assert.NotNull(responses["200"]!["content"]!["application/json"]!["schema"]!["$ref"]);
        var invalid = Schema(document, responses["400"]!["content"]!["application/problem+json"]!["schema"]);
        Assert.NotNull(invalid["properties"]!["errors"]);
        Assert.NotNull(Schema(document, responses["429"]!["content"]!["application/problem+json"]!["schema"])["properties"]!["status"]);
        Assert.NotNull(Schema(document, responses["503"]!["content"]!["application/problem+json"]!["schema"])["properties"]!["status"]);
        Assert.All(responses, r => Assert.False(string.IsNullOrWhiteSpace(r.Value!["description"]?.GetValue<string>())));
    }

    [Fact]
    public async Task The_dashboard_is_documented_as_html_with_its_429()
    {
        var responses = Operation(await DocumentAsync(), "/")["responses"]!.AsObject();

        Assert.Equal(["200", "429"], responses.Select(r => r.Key).Order());
        Assert.NotNull(responses["200"]!["content"]!["text/html"]);
        Assert.NotNull(responses["429"]!["content"]!["application/problem+json"]);
    }

    public static TheoryData<string, object, string> Answers() => new()
    {
        {
            "/v1/metrics/concurrent-users",
            new ConcurrentUsersResponse(T0, T0.AddHours(1), "platform", [new ConcurrentUsersItem(T0, "platform", "ios", 812, false)], false),
            nameof(GatewayJsonContext.ConcurrentUsersResponse)
        },
        {
            "/v1/metrics/bookings",
            new BookingsResponse(T0, T0.AddHours(1), "product", [new BookingsItem(T0, "product", "p1", "KRW", 12, 1, 540_000, 45_000, false, T0, "p1")], false),
            nameof(GatewayJsonContext.BookingsResponse)
        },
        {
            "/v1/metrics/bookings/per-minute",
            new BookingsPerMinuteResponse(T0, T0.AddHours(1), [new BookingsMinuteItem(T0, 41, 7)]),
            nameof(GatewayJsonContext.BookingsPerMinuteResponse)
        },
        {
            "/v1/metrics/popularity/top",
            new PopularityTopResponse(T0, T0.AddHours(1), 10, true, [new PopularityItem(T0, 1, "p1", 1840, 96, 41, 2457.5, false)], false),
            nameof(GatewayJsonContext.PopularityTopResponse)
        },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task The_answer_schema_has_exactly_the_fields_the_endpoint_writes_in_snake_case(string path, object answer, string typeInfo)
    {
        var document = await DocumentAsync();
        var info = (JsonTypeInfo)typeof(GatewayJsonContext).GetProperty(typeInfo)!.GetValue(GatewayJsonContext.Default)!;
        var written = JsonSerializer.SerializeToNode(answer, info)!.AsObject();
        var schema = Schema(document, Operation(document, path)["responses"]!["200"]!["content"]!["application/json"]!["schema"]);

        AssertSameFields(document, schema, written);
    }

    [Fact]
    public async Task A_bookings_row_is_documented_with_snake_case_fields_and_product_id_is_optional()
    {
        var document = await DocumentAsync();
        var row = document["components"]!["schemas"]!["BookingsItem"]!.AsObject();
        var fields = row["properties"]!.AsObject().Select(p => p.Key).ToList();

        Assert.Contains("revenue_minor", fields);
        Assert.Contains("cancelled_revenue_minor", fields);
        Assert.Contains("window_start", fields);
        Assert.DoesNotContain("product_id", row["required"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.All(
            document["components"]!["schemas"]!.AsObject().SelectMany(s => s.Value!["properties"]?.AsObject().Select(p => p.Key) ?? []),
            name => Assert.Matches(SnakeCase(), name));
    }

    [Fact]
    public async Task The_docs_page_is_html_that_loads_the_document_and_its_script_is_served()
    {
        using var http = factory.CreateClient();
        using var page = await http.GetAsync("/docs");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<title>Streaming gateway API</title>", html, StringComparison.Ordinal);
        // Scalar resolves the source against the site root: /openapi/v1.json.
        Assert.Contains("\"url\":\"openapi/v1.json\"", html, StringComparison.Ordinal);
        using var script = await http.GetAsync("/docs/scalar.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }

    /// <summary>The written object has every property of the schema (the samples set every optional one) and no other; rows too.</summary>
    internal static void AssertSameFields(JsonObject document, JsonObject schema, JsonObject written)
    {
        var properties = schema["properties"]!.AsObject();
        Assert.Equal(properties.Select(p => p.Key).Order(), written.Select(p => p.Key).Order());
        foreach (var (name, value) in written)
        {
            if (value is JsonArray { Count: > 0 } rows && properties[name]!["items"] is { } items)
            {
                AssertSameFields(document, Schema(document, items), rows[0]!.AsObject());
            }
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex SnakeCase();
}
