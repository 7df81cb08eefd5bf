using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Mvc;

namespace Streaming.Gateway.Tests;

/// <summary>The gateway's private endpoints: keys belong to clients, each client's scopes say what its keys may call.</summary>
public sealed class ClientScopeTests : IClassFixture<GatewayFactory>
{
    private const string OperatorKey = "operator-test-key-0123456789abcdef";
    private const string RotatedOperatorKey = "operator-next-key-0123456789abcdef";
    private const string SupportKey = "support-test-key-0123456789abcdefg";

    // A range the re-check refuses after the key check: a 400 naming "to" proves the key passed, without ClickHouse.
    private const string WideRecheck = "/v1/ledger/recheck?from=2026-11-21T10:00:00Z&to=2026-11-25T10:00:00Z";

    private readonly GatewayFactory factory;

    public ClientScopeTests(GatewayFactory factory)
    {
        factory.Settings["Clients:ops:Keys:0"] = OperatorKey;
        // The next key, configured as its SHA-256 digest: both are valid while clients move over.
        factory.Settings["Clients:ops:Keys:1"] = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(RotatedOperatorKey)));
        factory.Settings["Clients:ops:Scopes:0"] = "operator";
        factory.Settings["Clients:helpdesk:Keys:0"] = SupportKey;
        factory.Settings["Clients:helpdesk:Scopes:0"] = "support";
        this.factory = factory;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, string? key)
    {
        using var request = new HttpRequestMessage(method, url);
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        return await factory.CreateClient().SendAsync(request);
    }

    [Theory]
    [InlineData(OperatorKey)]
    [InlineData(RotatedOperatorKey)]
    public async Task Both_keys_of_a_client_are_valid_at_once_one_of_them_configured_as_a_hash(string key)
    {
        using var response = await SendAsync(HttpMethod.Post, WideRecheck, key);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("to", Assert.Single((await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors).Key);
    }

    [Fact]
    public async Task The_hash_itself_is_not_a_key()
    {
        var hash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(RotatedOperatorKey)));
        using var response = await SendAsync(HttpMethod.Post, WideRecheck, hash);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("POST", WideRecheck, SupportKey, "operator")]
    [InlineData("GET", "/v1/users/ann/pushes", OperatorKey, "support")]
    public async Task A_known_key_without_the_endpoint_s_scope_gets_403_problem(string method, string url, string key, string scope)
    {
        using var response = await SendAsync(new HttpMethod(method), url, key);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>();
        Assert.Equal(403, problem!.Status);
        Assert.Contains($"'{scope}' scope", problem.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(key, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_in_the_query_string_is_not_accepted()
    {
        using var response = await SendAsync(HttpMethod.Post, WideRecheck + "&api_key=" + OperatorKey + "&X-Api-Key=" + OperatorKey, key: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
