using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.Gateway.Pushes;
using Streaming.LocalServers;
using Streaming.Metrics;
using Streaming.Metrics.Pushes;
using Streaming.Push.Contracts;

namespace Streaming.Gateway.Tests;

/// <summary>A real ClickHouse with a few push decisions, and the gateway's support endpoint reading them.</summary>
public sealed class PushesInClickHouseFixture : IAsyncLifetime
{
    public const string Key = "pushes-test-key-0123456789abcdefgh";
    public static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private readonly HttpClient http = new();
    private LocalClickHouseServer? server;
    private ClickHouseClient? clickHouse;

    public GatewayFactory Gateway { get; } = new();

    public async Task InitializeAsync()
    {
        server = await LocalClickHouseServer.StartAsync();
        var database = "gwp_" + Guid.NewGuid().ToString("N")[..10];
        clickHouse = new ClickHouseClient(http, Options.Create(new ClickHouseOptions { Url = server.Url, Database = database }));
        await new SchemaMigrator(clickHouse).ApplyAsync(FleetSchema.Migrations);
        List<PushDecisionRecord> rows =
        [
            new("a1", "ann", "tour", "fast", "wishlist_selling_fast", PushOutcomes.Sent, "rule fast fired for 2026-11-23T11", T0, T0),
            new("a2", "ann", "jeju", "viewed", "viewed_not_booked", PushOutcomes.Held, "quiet hours 21:00-08:00 local: sending at ...", T0.AddMinutes(5), T0.AddHours(9)),
            new("a2", "ann", "jeju", "viewed", "viewed_not_booked", PushOutcomes.Sent, "held for quiet hours, delivered", T0.AddHours(9), T0.AddHours(9)),
            new("a3", "ann", "busan", "trend", "trending_in_city", PushOutcomes.Suppressed, "cap gap: another push at ...", T0.AddMinutes(10), T0.AddMinutes(10)),
            new("b1", "bob's", "tour", "fast", "wishlist_selling_fast", PushOutcomes.Sent, "rule fast fired", T0, T0),
        ];
        await clickHouse.InsertRowBinaryAsync(PushDecisionsTable.Table, rows, PushDecisionsTable.Rows);
        // The trigger published a1 again after a crash.
        await clickHouse.InsertRowBinaryAsync(PushDecisionsTable.Table, rows.Take(1).ToList(), PushDecisionsTable.Rows);
        Gateway.Settings["ClickHouse:Url"] = server.Url;
        Gateway.Settings["ClickHouse:Database"] = database;
        Gateway.Settings["Clients:support:Keys:0"] = Key;
        Gateway.Settings["Clients:support:Scopes:0"] = "support";
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        if (clickHouse is not null)
        {
            await clickHouse.ExecuteAsync("DROP DATABASE IF EXISTS " + Sql.Identifier(clickHouse.Database), useDatabase: false);
        }

        if (server is not null)
        {
            await server.DisposeAsync();
        }

        http.Dispose();
    }
}

public sealed class PushesEndpointTests(PushesInClickHouseFixture fixture) : IClassFixture<PushesInClickHouseFixture>
{
    private static readonly JsonSerializerOptions Json = PushesJsonContext.Default.Options;

    private HttpClient Client(string? key = PushesInClickHouseFixture.Key)
    {
        var client = fixture.Gateway.CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        return client;
    }

    [Fact]
    public async Task Support_staff_see_every_decision_about_a_user_newest_first_each_once()
    {
        var response = await Client().GetFromJsonAsync<PushesResponse>("/v1/users/ann/pushes", Json);

        Assert.NotNull(response);
        Assert.Equal("ann", response.UserId);
        Assert.False(response.Truncated);
        Assert.Equal(["a2:sent", "a3:suppressed", "a2:held", "a1:sent"], response.Pushes.Select(p => $"{p.PushId}:{p.Outcome}"));
        var held = response.Pushes[2];
        Assert.Equal(("viewed", "viewed_not_booked", "jeju"), (held.Rule, held.RuleKind, held.ProductId));
        Assert.Equal(PushesInClickHouseFixture.T0.AddHours(9), held.SendAt);
        Assert.StartsWith("cap gap:", response.Pushes[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_limit_cuts_the_list_and_says_so_and_a_quote_in_the_user_id_is_only_text()
    {
        var two = await Client().GetFromJsonAsync<PushesResponse>("/v1/users/ann/pushes?limit=2", Json);
        var quoted = await Client().GetFromJsonAsync<PushesResponse>("/v1/users/bob's/pushes", Json);
        var nobody = await Client().GetFromJsonAsync<PushesResponse>("/v1/users/nobody/pushes", Json);

        Assert.Equal((2, true), (two!.Pushes.Count, two.Truncated));
        Assert.Equal("b1", Assert.Single(quoted!.Pushes).PushId);
        Assert.Empty(nobody!.Pushes);
    }

    [Fact]
    public async Task The_per_rule_counts_are_public_and_count_each_push_and_outcome_once()
    {
        var response = await Client(key: null).GetFromJsonAsync<PushesPerRuleResponse>(
            "/v1/pushes/per-rule?from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z", Json);

        Assert.Equal(
            ["fast wishlist_selling_fast 2/0/0/0/0", "trend trending_in_city 0/0/1/0/0", "viewed viewed_not_booked 1/1/0/0/0"],
            response!.Rules.Select(r => $"{r.Rule} {r.RuleKind} {r.Sent}/{r.Held}/{r.Suppressed}/{r.Expired}/{r.Failed}"));
        using var bad = await Client(key: null).GetAsync("/v1/pushes/per-rule?from=2026-11-23T00:00:00Z");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-the-key-at-all-0000")]
    public async Task Without_a_known_key_the_answer_is_401(string? key)
    {
        using var response = await Client(key).GetAsync("/v1/users/ann/pushes");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/v1/users/ann/pushes?limit=0", "limit")]
    [InlineData("/v1/users/ann/pushes?limit=lots", "limit")]
    [InlineData("/v1/users/ann/pushes?limit=501", "limit")]
    public async Task A_bad_parameter_gets_400_naming_it(string url, string field)
    {
        using var response = await Client().GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<HttpValidationProblemDetails>();
        Assert.Equal(field, Assert.Single(problem!.Errors).Key);
    }

    [Fact]
    public async Task A_user_id_over_128_characters_gets_400()
    {
        using var response = await Client().GetAsync($"/v1/users/{new string('u', 129)}/pushes");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("user_id", Assert.Single((await response.Content.ReadFromJsonAsync<HttpValidationProblemDetails>())!.Errors).Key);
    }
}
