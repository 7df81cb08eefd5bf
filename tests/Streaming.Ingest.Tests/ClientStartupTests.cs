using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Streaming.ServiceDefaults;

namespace Streaming.Ingest.Tests;

/// <summary>A key that would weaken ingest stops it at start-up, naming the setting and never quoting the key.</summary>
public sealed class ClientStartupTests
{
    // Nothing listens there: validation must fail before any client would connect.
    private const string NoBroker = "127.0.0.1:1";
    private const string GoodKey = "good-ingest-key-0123456789abcdefgh";

    /// <summary>Starts ingest as Program.cs does, on a test server (see the aggregator's StartupValidationTests for why not a factory).</summary>
    private static async Task<OptionsValidationException> StartAndFailAsync(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings) { ["Kafka:BootstrapServers"] = NoBroker });
        builder.WebHost.UseTestServer();
        builder.AddServiceDefaults();
        builder.AddIngest();
        await using var app = builder.Build();
        app.MapServiceDefaults();
        app.MapIngestEndpoints();
        return await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
    }

    public static TheoryData<string, string> BadKeys() => new()
    {
        { "", "Clients__app__Keys__0" },
        { "   ", "Clients__app__Keys__0 is blank" },
        { "short-key-0123456789", "Clients__app__Keys__0 is shorter than 32 characters" },
        { "CHANGE-ME-ingest-api-key-0123456789", "Clients__app__Keys__0 is a placeholder" },
        { "changeme0123456789abcdefghijklmnopq", "Clients__app__Keys__0 is a placeholder" },
        { "your-api-key-here-0000000000000000000", "Clients__app__Keys__0 is a placeholder" },
        { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "Clients__app__Keys__0 is a placeholder" },
        { "good-ingest-key-0123456789 abcdefgh", "Clients__app__Keys__0 contains a space" },
        { "sha256:0123", "Clients__app__Keys__0 is not a SHA-256 hash" },
    };

    [Theory]
    [MemberData(nameof(BadKeys))]
    public async Task A_blank_short_or_placeholder_key_refuses_start_up_naming_the_setting(string key, string message)
    {
        var error = await StartAndFailAsync(new() { ["Clients:app:Keys:0"] = key, ["Clients:app:Scopes:0"] = "ingest" });

        var failure = Assert.Single(error.Failures);
        Assert.Contains(message, failure, StringComparison.Ordinal);
        if (key.Trim().Length > 0)
        {
            Assert.DoesNotContain(key, failure, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_bad_second_key_is_named_by_its_index_and_client()
    {
        var error = await StartAndFailAsync(new()
        {
            ["Clients:app:Keys:0"] = GoodKey, ["Clients:app:Keys:1"] = "CHANGE-ME", ["Clients:app:Scopes:0"] = "ingest",
        });
        Assert.Contains("Clients__app__Keys__1 is shorter than 32 characters", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_client_of_the_ingest_scope_ingest_does_not_start()
    {
        Assert.Contains("no client has the ingest scope", Assert.Single((await StartAndFailAsync([])).Failures), StringComparison.Ordinal);
        var onlySupport = await StartAndFailAsync(new() { ["Clients:helpdesk:Keys:0"] = GoodKey, ["Clients:helpdesk:Scopes:0"] = "support" });
        Assert.Contains("no client has the ingest scope", Assert.Single(onlySupport.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_old_setting_alone_no_longer_opens_ingest()
    {
        // Ingest__ApiKeys is gone: a deployment that still sets only it must not start (rather than start open).
        var error = await StartAndFailAsync(new() { ["Ingest:ApiKeys:0"] = GoodKey });
        Assert.Contains("no client has the ingest scope", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    /// <summary>Settings as "key=value" pairs separated by ';' (GOOD stands for a valid key), and what the failure says.</summary>
    public static TheoryData<string, string> BadClients() => new()
    {
        { "Clients:app:Keys:0=GOOD;Clients:app:Scopes:0=ingest;Clients:web:Keys:0=GOOD;Clients:web:Scopes:0=ingest",
            "Clients__web__Keys__0 is the same key as Clients__app__Keys__0" },
        { "Clients:app:Keys:0=GOOD;Clients:app:Scopes:0=ingest;Clients:app:Scopes:1=admin", "Clients__app__Scopes__1 must be one of ingest, support, operator" },
        { "Clients:app:Keys:0=GOOD", "Clients__app__Scopes__0 is required" },
        { "Clients:app:Scopes:0=ingest", "Clients__app__Keys__0 is required" },
        { "Clients:app:Keys:0=GOOD;Clients:app:Scopes:0=ingest;Clients:app:Quota:EventsBurst=10",
            "Clients__app__Quota__EventsBurst must be at least Ingest__MaxEventsPerRequest (1000)" },
        { "Clients:app:Keys:0=GOOD;Clients:app:Scopes:0=ingest;Clients:app:Quota:EventsPerSecond=0", "Clients__app__Quota__EventsPerSecond" },
        { "Clients:app:Keys:0=GOOD;Clients:app:Scopes:0=ingest;Clients:app.v2:Keys:0=GOOD2;Clients:app.v2:Scopes:0=ingest", "Clients__app.v2: a client's name is" },
    };

    [Theory]
    [MemberData(nameof(BadClients))]
    public async Task A_client_that_cannot_be_told_apart_or_used_refuses_start_up_naming_the_setting(string settings, string message)
    {
        var error = await StartAndFailAsync(settings.Split(';').Select(s => s.Split('=')).ToDictionary(
            p => p[0], p => (string?)p[1].Replace("GOOD2", GoodKey + "2", StringComparison.Ordinal).Replace("GOOD", GoodKey, StringComparison.Ordinal)));
        Assert.Contains(error.Failures, f => f.Contains(message, StringComparison.Ordinal));
        Assert.All(error.Failures, f => Assert.DoesNotContain(GoodKey, f, StringComparison.Ordinal));
    }
}
