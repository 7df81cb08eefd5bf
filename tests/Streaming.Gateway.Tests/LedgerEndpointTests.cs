using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Streaming.Gateway.Tests;

/// <summary>The ledger endpoints in process: refused ranges, the re-check's API key, rate limiting; ClickHouse is never reached.</summary>
public sealed class LedgerEndpointTests : IClassFixture<GatewayFactory>
{
    private const string Key = "ledger-test-key-0123456789abcdefgh";
    private const string Range = "from=2026-11-21T10:00:00Z&to=2026-11-21T11:00:00Z";
    private readonly GatewayFactory factory;

    public LedgerEndpointTests(GatewayFactory factory)
    {
        factory.Settings["Clients:ops:Keys:0"] = Key;
        factory.Settings["Clients:ops:Scopes:0"] = "operator";
        this.factory = factory;
    }

    public static TheoryData<string, string, string> BadQueries() => new()
    {
        { "/v1/ledger?from=yesterday&to=2026-11-21T11:00:00Z", "from", "from must be an ISO-8601 timestamp with an offset, e.g. 2026-11-21T10:00:00Z" },
        { "/v1/ledger?from=2026-11-21T10:00:00Z", "to", "'to' must not be empty." },
        { "/v1/ledger?from=2026-11-21T10:00:00Z&to=2026-11-23T10:00:00Z", "to", "the range from..to may span at most 24 hours" },
        { "/v1/ledger?from=2026-11-21T10:00:00Z&to=2026-11-21T09:00:00Z", "to", "to must be after from" },
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task A_bad_range_gets_400_naming_the_field(string url, string field, string message)
    {
        using var response = await factory.CreateClient().GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<HttpValidationProblemDetails>();
        var error = Assert.Single(problem!.Errors);
        Assert.Equal(field, error.Key);
        Assert.Contains(message, error.Value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-the-key-at-all-0000")]
    public async Task A_recheck_without_a_known_key_gets_401(string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/ledger/recheck?" + Range);
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        using var response = await factory.CreateClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("X-Api-Key", (await response.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_recheck_with_the_key_is_validated_and_then_goes_to_clickhouse()
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", Key);

        using var bad = await client.PostAsync("/v1/ledger/recheck?from=2026-11-21T10:00:00Z&to=2026-11-25T10:00:00Z", null);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("to", Assert.Single((await bad.Content.ReadFromJsonAsync<HttpValidationProblemDetails>())!.Errors).Key);

        // The control: a valid request passes the key and the validation and fails for want of ClickHouse.
        using var good = await client.PostAsync("/v1/ledger/recheck?" + Range, null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, good.StatusCode);
    }

    [Fact]
    public async Task The_api_document_states_the_ledger_s_own_range_limit()
    {
        var document = await factory.CreateClient().GetStringAsync("/openapi/v1.json");
        var node = System.Text.Json.Nodes.JsonNode.Parse(document)!;
        var to = node["paths"]!["/v1/ledger"]!["get"]!["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "to")!;
        Assert.Contains("at most 24 hours later", to["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(node["paths"]!["/v1/ledger/recheck"]!["post"]);
    }
}
