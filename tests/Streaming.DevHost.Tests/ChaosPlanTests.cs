using Streaming.DevHost.Chaos;

namespace Streaming.DevHost.Tests;

public sealed class ChaosPlanTests
{
    private static readonly string[] Kinds = ["SIGKILL Aggregator", "SIGKILL Ingest", "SIGSTOP Redis", "Kafka broker down", "push provider 503"];

    [Fact]
    public void A_seed_gives_the_same_plan_and_another_seed_another()
    {
        var run = TimeSpan.FromMinutes(10);
        Assert.Equal(Nemesis.Plan(Kinds, 19, run), Nemesis.Plan(Kinds, 19, run));
        Assert.NotEqual(Nemesis.Plan(Kinds, 19, run), Nemesis.Plan(Kinds, 20, run));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(60)]
    public void Every_kind_comes_once_before_any_comes_twice_between_the_warm_up_and_the_cool_down(int minutes)
    {
        var run = TimeSpan.FromMinutes(minutes);
        var plan = Nemesis.Plan(Kinds, 7, run);

        Assert.Equal(Kinds.Order(StringComparer.Ordinal), plan.Take(Kinds.Length).Select(f => f.Kind).Order(StringComparer.Ordinal));
        Assert.All(plan, f => Assert.InRange(f.At, run / 6 > TimeSpan.FromSeconds(30) ? TimeSpan.FromSeconds(30) : run / 6, run - TimeSpan.FromSeconds(20)));
        Assert.Equal(plan.Select(f => f.At).Order(), plan.Select(f => f.At));
        // Long runs: about one fault every 40 s.
        Assert.True(plan.Count >= Math.Max(Kinds.Length, (minutes * 60 - 90) / 40), $"{plan.Count} faults in {minutes} min");
    }

    [Fact]
    public void The_soak_slope_is_the_rise_per_hour_of_a_line_and_zero_for_a_flat_one()
    {
        Assert.Equal(12.0, SoakSampler.Slope([(0, 100), (0.5, 106), (1, 112)]), 6);
        Assert.Equal(0.0, SoakSampler.Slope([(0, 5), (0.1, 5), (0.2, 5)]), 6);
    }
}
