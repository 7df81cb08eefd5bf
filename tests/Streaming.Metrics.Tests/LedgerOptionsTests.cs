using System.ComponentModel.DataAnnotations;
using Streaming.Metrics.Ledger;

namespace Streaming.Metrics.Tests;

public sealed class LedgerOptionsTests
{
    private static List<ValidationResult> Validate(LedgerOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void The_defaults_are_valid_and_repair_within_5_minutes()
    {
        var defaults = new LedgerOptions();
        Assert.Empty(Validate(defaults));
        Assert.True(defaults.CheckDelay + defaults.Interval + defaults.Interval <= TimeSpan.FromMinutes(5));
    }

    [Fact]
    public void A_check_delay_and_interval_that_break_the_promise_are_refused_naming_the_fields()
    {
        var result = Assert.Single(Validate(new LedgerOptions { CheckDelay = TimeSpan.FromMinutes(4), Interval = TimeSpan.FromSeconds(31) }));
        Assert.Equal([nameof(LedgerOptions.CheckDelay), nameof(LedgerOptions.Interval), nameof(LedgerOptions.RepairWithin)], result.MemberNames);

        Assert.Empty(Validate(new LedgerOptions { CheckDelay = TimeSpan.FromMinutes(4), Interval = TimeSpan.FromSeconds(31), RepairWithin = TimeSpan.FromMinutes(10) }));
    }

    [Theory]
    [InlineData(nameof(LedgerOptions.Interval))]
    [InlineData(nameof(LedgerOptions.LookBack))]
    [InlineData(nameof(LedgerOptions.MinutesPerQuery))]
    public void Out_of_range_values_are_refused_naming_the_field(string field)
    {
        var options = field switch
        {
            nameof(LedgerOptions.Interval) => new LedgerOptions { Interval = TimeSpan.FromMilliseconds(10) },
            nameof(LedgerOptions.LookBack) => new LedgerOptions { LookBack = TimeSpan.FromMinutes(5) },
            _ => new LedgerOptions { MinutesPerQuery = 0 },
        };
        Assert.Contains(Validate(options), r => r.MemberNames.Contains(field));
    }
}
