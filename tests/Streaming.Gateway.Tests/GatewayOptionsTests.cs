using System.ComponentModel.DataAnnotations;

namespace Streaming.Gateway.Tests;

public sealed class GatewayOptionsTests
{
    private static string[] Invalid(GatewayOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return [.. results.SelectMany(r => r.MemberNames).Distinct().Order()];
    }

    [Fact]
    public void The_defaults_are_valid() => Assert.Empty(Invalid(new GatewayOptions()));

    [Fact]
    public void Limits_out_of_range_are_refused()
    {
        Assert.Equal(["MaxTopN"], Invalid(new GatewayOptions { MaxTopN = 0 }));
        Assert.Equal(["MaxRange"], Invalid(new GatewayOptions { MaxRange = TimeSpan.FromDays(40) }));
        Assert.Equal(["MaxRows"], Invalid(new GatewayOptions { MaxRows = 0 }));
    }

    [Fact]
    public void A_default_n_above_the_maximum_is_refused() =>
        Assert.Equal(["DefaultTopN", "MaxTopN"], Invalid(new GatewayOptions { DefaultTopN = 500, MaxTopN = 100 }));
}
