using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Streaming.PushTrigger.Rules;

namespace Streaming.PushTrigger.Tests;

public sealed class ConfigurationTests
{
    private static Dictionary<string, string?> ThreeRules() => new()
    {
        ["PushTrigger:Rules:0:Id"] = "fast",
        ["PushTrigger:Rules:0:Kind"] = "wishlist_selling_fast",
        ["PushTrigger:Rules:0:Threshold"] = "5",
        ["PushTrigger:Rules:0:Title"] = "{product_id} is selling fast",
        ["PushTrigger:Rules:0:Body"] = "{bookings_last_hour} booked it in the last hour",
        ["PushTrigger:Rules:1:Id"] = "viewed",
        ["PushTrigger:Rules:1:Kind"] = "viewed_not_booked",
        ["PushTrigger:Rules:1:Window"] = "12:00:00",
        ["PushTrigger:Rules:1:Title"] = "Still thinking about it?",
        ["PushTrigger:Rules:1:Body"] = "{views} views",
        ["PushTrigger:Rules:2:Id"] = "trending",
        ["PushTrigger:Rules:2:Kind"] = "wishlist_selling_fast",
        ["PushTrigger:Rules:2:Threshold"] = "10",
        ["PushTrigger:Rules:2:Title"] = "Hot in {city}",
        ["PushTrigger:Rules:2:Body"] = "{product_id}",
    };

    private static IHost Host(Dictionary<string, string?> settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddPushRules();
        return builder.Build();
    }

    [Fact]
    public async Task Good_rules_start_and_resolve_with_the_kinds_defaults()
    {
        using var host = Host(ThreeRules());
        await host.StartAsync();

        var rules = RuleKinds.Resolve(host.Services.GetRequiredService<IOptions<PushTriggerOptions>>().Value);
        await host.StopAsync();

        Assert.Equal(["fast", "viewed", "trending"], rules.Select(r => r.Id));
        Assert.Equal(TimeSpan.FromHours(12), rules[1].Window);
        Assert.Equal(3, rules[1].Threshold);
        Assert.Equal(TimeSpan.FromMinutes(30), rules[1].Delay);
        Assert.Equal(TimeSpan.FromDays(7), rules[0].ReEligibility);
    }

    [Fact]
    public async Task No_rules_configured_means_the_three_default_rules()
    {
        using var host = Host([]);
        await host.StartAsync();

        var options = host.Services.GetRequiredService<IOptions<PushTriggerOptions>>().Value;
        await host.StopAsync();

        Assert.Equal(["wishlist_selling_fast", "viewed_not_booked", "trending_in_city"], options.Rules.Select(r => r.Kind));
    }

    [Theory]
    [InlineData("PushTrigger:Rules:2:Threshold", "0", "PushTrigger:Rules:2:Threshold must be 1..100000 (was 0)")]
    [InlineData("PushTrigger:Rules:2:Kind", "selling_slowly", "PushTrigger:Rules:2:Kind must be one of wishlist_selling_fast, viewed_not_booked, trending_in_city (was 'selling_slowly')")]
    [InlineData("PushTrigger:Rules:2:Id", "fast", "PushTrigger:Rules:2:Id 'fast' is declared twice")]
    [InlineData("PushTrigger:Rules:2:Id", "Has Space", "PushTrigger:Rules:2:Id must be 1..64 of a-z, 0-9, '_', '-' (was 'Has Space')")]
    [InlineData("PushTrigger:Rules:2:Body", "{views} views", "PushTrigger:Rules:2:Body uses {views}, which wishlist_selling_fast does not fill")]
    [InlineData("PushTrigger:Rules:2:Title", "Hot in {city", "PushTrigger:Rules:2:Title has a brace that is not a placeholder")]
    [InlineData("PushTrigger:Rules:2:Title", "", "PushTrigger:Rules:2:Title is required")]
    [InlineData("PushTrigger:Rules:2:Body", "Hot\u202Etoday", "PushTrigger:Rules:2:Body must not contain U+202E (a bidirectional control)")]
    [InlineData("PushTrigger:Rules:2:Title", "Hot\nin {city}", "PushTrigger:Rules:2:Title must not contain U+000A (a control character)")]
    [InlineData("PushTrigger:Rules:1:Window", "40.00:00:00", "PushTrigger:Rules:1:Window must be positive and at most the activity window")]
    [InlineData("PushTrigger:MaxPerLocalDay", "0", "PushTrigger:MaxPerLocalDay must be 1..100 (was 0)")]
    [InlineData("PushTrigger:QuietHoursEnd", "1.02:00:00", "PushTrigger:QuietHoursEnd must be a time of day")]
    public async Task A_bad_rule_stops_the_start_with_a_message_naming_the_field(string key, string value, string message)
    {
        var settings = ThreeRules();
        settings[key] = value;
        using var host = Host(settings);

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_threshold_on_a_kind_that_takes_none_is_refused()
    {
        var options = new PushTriggerOptions { Rules = [.. DefaultRules.Create()] };
        options.Rules[2].Threshold = 4;

        Assert.Equal(["PushTrigger:Rules:2:Threshold is not used by trending_in_city: leave it out"], PushTriggerOptionsValidator.Failures(options));
    }
}
