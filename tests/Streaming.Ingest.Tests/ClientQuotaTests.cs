using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Streaming.Events;

namespace Streaming.Ingest.Tests;

/// <summary>Ingest with several clients: a slow one, a chatty one, one with rotating keys and one without the ingest scope.</summary>
public sealed class ClientQuotaFixture : IDisposable
{
    public const string SlowKey = "slow-client-key-0123456789abcdefgh";
    public const string ChattyKey = "chatty-client-key-0123456789abcdef";
    public const string CurrentKey = "rotating-current-key-0123456789abc";
    public const string NextKey = "rotating-next-key-0123456789abcdefg";
    public const string SupportKey = "support-client-key-0123456789abcde";

    public IngestFactory Factory { get; } = new()
    {
        Settings =
        {
            // One event a second, and a burst of one full request (IngestFactory.MaxEventsPerRequest).
            ["Clients:slow:Keys:0"] = SlowKey,
            ["Clients:slow:Scopes:0"] = "ingest",
            ["Clients:slow:Quota:EventsPerSecond"] = "1",
            ["Clients:slow:Quota:EventsBurst"] = "5",
            // One request a second, two at once.
            ["Clients:chatty:Keys:0"] = ChattyKey,
            ["Clients:chatty:Scopes:0"] = "ingest",
            ["Clients:chatty:Quota:RequestsPerMinute"] = "60",
            ["Clients:chatty:Quota:RequestsBurst"] = "2",
            ["Clients:rotating:Keys:0"] = CurrentKey,
            ["Clients:rotating:Keys:1"] = "sha256:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(NextKey))),
            ["Clients:rotating:Scopes:0"] = "ingest",
            ["Clients:helpdesk:Keys:0"] = SupportKey,
            ["Clients:helpdesk:Scopes:0"] = "support",
        },
    };

    public void Dispose() => Factory.Dispose();
}

public sealed class ClientQuotaTests(ClientQuotaFixture fixture) : IClassFixture<ClientQuotaFixture>
{
    private static string Views(int count) => new JsonArray([.. Enumerable.Range(0, count).Select(i => (JsonNode)new JsonObject
    {
        ["event_id"] = "q-" + Guid.NewGuid().ToString("N"),
        ["type"] = EventTypes.ProductView,
        ["user_id"] = "u-quota",
        ["session_id"] = "s-quota",
        ["product_id"] = "tour-seoul-001",
        ["occurred_at"] = IngestFactory.Now.AddSeconds(-30 - i).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        ["platform"] = "ios",
        ["country"] = "KR",
        ["city"] = "Seoul",
    })]).ToJsonString();

    private async Task<HttpResponseMessage> PostAsync(string key, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Api-Key", key);
        return await fixture.Factory.CreateClient().SendAsync(request);
    }

    private static async Task AssertTooManyAsync(HttpResponseMessage response, string quota, TimeSpan retryAfter)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(retryAfter, response.Headers.RetryAfter?.Delta);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>();
        Assert.Equal(429, problem!.Status);
        Assert.Contains($"its {quota} quota", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Past_its_events_per_second_a_client_gets_429_with_retry_after_until_the_bucket_refills()
    {
        using (var burst = await PostAsync(ClientQuotaFixture.SlowKey, Views(5)))
        {
            Assert.Equal(HttpStatusCode.Accepted, burst.StatusCode);
        }

        using (var refused = await PostAsync(ClientQuotaFixture.SlowKey, Views(2)))
        {
            await AssertTooManyAsync(refused, "events", TimeSpan.FromSeconds(2));
        }

        // Another client's budget is its own.
        using (var other = await PostAsync(ClientQuotaFixture.CurrentKey, Views(5)))
        {
            Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
        }

        fixture.Factory.Clock.Advance(TimeSpan.FromSeconds(2));
        using var again = await PostAsync(ClientQuotaFixture.SlowKey, Views(2));
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
    }

    [Fact]
    public async Task Past_its_requests_burst_a_client_gets_429_and_a_refused_request_counts_too()
    {
        List<HttpStatusCode> statuses = [];
        for (var i = 0; i < 2; i++)
        {
            using var response = await PostAsync(ClientQuotaFixture.ChattyKey, "[]");
            statuses.Add(response.StatusCode);
        }

        using var refused = await PostAsync(ClientQuotaFixture.ChattyKey, Views(1));
        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest], statuses);
        await AssertTooManyAsync(refused, "requests", TimeSpan.FromSeconds(1));
    }

    [Theory]
    [InlineData(ClientQuotaFixture.CurrentKey)]
    [InlineData(ClientQuotaFixture.NextKey)]
    public async Task Both_keys_of_a_client_are_valid_at_once_one_of_them_configured_as_a_hash(string key)
    {
        using var response = await PostAsync(key, Views(1));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task A_known_key_without_the_ingest_scope_gets_403_problem()
    {
        using var response = await PostAsync(ClientQuotaFixture.SupportKey, Views(1));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("'helpdesk'", (await response.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail, StringComparison.Ordinal);
    }
}
