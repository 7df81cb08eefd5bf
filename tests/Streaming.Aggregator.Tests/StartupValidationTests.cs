using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Streaming.ServiceDefaults;

namespace Streaming.Aggregator.Tests;

/// <summary>Bad settings stop the aggregator at start-up with a message naming the field, before it touches Kafka.</summary>
public sealed class StartupValidationTests
{
    // Nothing listens there: validation must fail before any client would connect.
    private const string NoBroker = "127.0.0.1:1";

    public static TheoryData<string, string, string> BadSettings() => new()
    {
        { "Aggregator:WindowSize", "00:00:07", "WindowSize must divide a minute (00:00:05, 00:00:30, 00:01:00) or be whole minutes dividing an hour." },
        { "Aggregator:WindowSize", "00:07:00", "WindowSize must divide a minute (00:00:05, 00:00:30, 00:01:00) or be whole minutes dividing an hour." },
        { "Aggregator:GroupPrefix", "Aggregator_A", "The field GroupPrefix must match the regular expression '^[a-z0-9][a-z0-9.-]{0,40}$'." },
        { "Aggregator:ProvisionalInterval", "00:00:00.050", "ProvisionalInterval must be zero (off) or at least 100 ms." },
        { "Topology:CheckpointInterval", "00:00:00.010", "The field CheckpointInterval must be between 00:00:00.1000000 and 00:10:00." },
        { "Kafka:SessionTimeoutMs", "100", "The field SessionTimeoutMs must be between 3000 and 300000." },
        { "Bookings:Source", "debezium", "Bookings:Source must be 'app' (apps post booking events) or 'cdc' (Debezium change events of the bookings table)" },
        { "Bookings:CdcTopic", "cdc bookings", "Bookings:CdcTopic must be a Kafka topic name" },
    };

    /// <summary>
    /// Starts the aggregator as Program.cs does, on a test server. Not through WebApplicationFactory: when start-up
    /// fails, its deferred host may find the service provider already disposed and report that instead.
    /// </summary>
    private static async Task<OptionsValidationException> StartAndFailAsync(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseTestServer();
        builder.AddServiceDefaults();
        builder.AddAggregator();
        await using var app = builder.Build();
        app.MapServiceDefaults();
        app.MapAggregatorEndpoints();
        return await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
    }

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task A_bad_setting_stops_start_up_naming_the_field(string key, string value, string message)
    {
        var error = await StartAndFailAsync(new() { ["Kafka:BootstrapServers"] = NoBroker, [key] = value });
        var field = key[(key.IndexOf(':', StringComparison.Ordinal) + 1)..];
        var failure = Assert.Single(error.Failures);
        Assert.Contains(field, failure, StringComparison.Ordinal);
        Assert.True(failure.Contains(message, StringComparison.Ordinal), failure);
    }

    [Fact]
    public async Task A_missing_bootstrap_address_stops_start_up_saying_what_to_set()
    {
        var error = await StartAndFailAsync([]);
        Assert.Contains("Kafka:BootstrapServers is required", Assert.Single(error.Failures), StringComparison.Ordinal);
    }
}
