using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Streaming.Metrics.Tests;

public sealed class MetricOptionsTests
{
    private static List<ValidationResult> Validate(MetricOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void The_defaults_are_valid() => Assert.Empty(Validate(new MetricOptions()));

    [Theory]
    [InlineData("00:00:01")]
    [InlineData("00:00:05")]
    [InlineData("00:00:30")]
    [InlineData("00:01:00")]
    [InlineData("00:05:00")]
    [InlineData("00:15:00")]
    [InlineData("01:00:00")]
    public void Windows_that_tile_minutes_and_hours_are_valid(string size) =>
        Assert.Empty(Validate(new MetricOptions { WindowSize = TimeSpan.Parse(size, CultureInfo.InvariantCulture) }));

    [Theory]
    [InlineData("00:00:07")]
    [InlineData("00:00:45")]
    [InlineData("00:01:30")]
    [InlineData("00:07:00")]
    [InlineData("00:00:00.500")]
    public void Windows_that_do_not_tile_are_refused_naming_the_field(string size)
    {
        var result = Assert.Single(Validate(new MetricOptions { WindowSize = TimeSpan.Parse(size, CultureInfo.InvariantCulture) }));
        Assert.Equal([nameof(MetricOptions.WindowSize)], result.MemberNames);
    }

    [Fact]
    public void The_tiling_message_says_what_is_allowed() =>
        Assert.Equal(
            "WindowSize must divide a minute (00:00:05, 00:00:30, 00:01:00) or be whole minutes dividing an hour.",
            Assert.Single(Validate(new MetricOptions { WindowSize = TimeSpan.FromSeconds(7) })).ErrorMessage);

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, false)]
    [InlineData(99, false)]
    [InlineData(100, true)]
    [InlineData(5000, true)]
    public void A_provisional_interval_is_zero_or_at_least_100_ms(int milliseconds, bool valid)
    {
        var results = Validate(new MetricOptions { ProvisionalInterval = TimeSpan.FromMilliseconds(milliseconds) });
        if (valid)
        {
            Assert.Empty(results);
        }
        else
        {
            var result = Assert.Single(results);
            Assert.Equal([nameof(MetricOptions.ProvisionalInterval)], result.MemberNames);
            Assert.Equal("ProvisionalInterval must be zero (off) or at least 100 ms.", result.ErrorMessage);
        }
    }

    [Theory]
    [InlineData("Aggregator")]
    [InlineData("-aggregator")]
    [InlineData("agg_regator")]
    [InlineData("")]
    public void A_group_prefix_is_lower_case_letters_digits_dots_and_dashes(string prefix) =>
        Assert.Equal([nameof(MetricOptions.GroupPrefix)], Assert.Single(Validate(new MetricOptions { GroupPrefix = prefix })).MemberNames);

    [Fact]
    public void Topologies_are_named_by_prefix_and_metric_and_window_settings_pass_through()
    {
        var options = new MetricOptions
        {
            GroupPrefix = "blue.v2",
            WindowSize = TimeSpan.FromSeconds(30),
            Grace = TimeSpan.FromSeconds(3),
            IdleTimeout = TimeSpan.FromSeconds(2),
            CorrectionHorizon = TimeSpan.FromMinutes(20),
        };
        Assert.Equal("blue.v2.bookings", options.TopologyName("bookings"));
        var window = options.ToWindowOptions();
        Assert.Equal(
            (TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(20)),
            (window.Size, window.Grace, window.IdleTimeout, window.CorrectionHorizon));
    }
}
