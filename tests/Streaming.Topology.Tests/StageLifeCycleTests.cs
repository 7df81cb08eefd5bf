using Streaming.Events;
using Streaming.Metrics;
using Streaming.Metrics.Popularity;
using Streaming.Metrics.ProductEvents;
using Streaming.Topology.Testing;

namespace Streaming.Topology.Tests;

/// <summary>The windowing stage's life cycle as the driver runs it: the same code as on Kafka.</summary>
public sealed class StageLifeCycleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_checkpoint_commits_the_input_offset_its_state_reflects()
    {
        var driver = new TopologyTestDriver<AppEvent, string, PopularityCounts>(PopularityTopology.Define(new MetricOptions()), T0, upstream: ProductEventsTopology.Define(new MetricOptions()));
        Assert.NotNull(driver.Checkpoint(0)); // nothing counted yet, but the task's new incarnation is stored at once
        Assert.Null(driver.CommittedOffset(0)); // and no offset to commit
        for (var i = 0; i < 3; i++)
        {
            driver.Pipe(Events.View("u" + i, "p1", T0.AddSeconds(i)));
        }

        Assert.NotNull(driver.Checkpoint(0));
        Assert.Equal(3, driver.CommittedOffset(0));
    }

    [Fact]
    public void The_first_provisional_update_comes_one_interval_after_the_start()
    {
        var driver = new TopologyTestDriver<AppEvent, string, PopularityCounts>(
            PopularityTopology.Define(new MetricOptions { ProvisionalInterval = TimeSpan.FromSeconds(5) }), T0, upstream: ProductEventsTopology.Define(new MetricOptions()));
        driver.Pipe(Events.View("u1", "p1", T0.AddSeconds(1)));
        driver.AdvanceTime(TimeSpan.FromSeconds(4));
        Assert.DoesNotContain(driver.Results, r => r.Provisional);

        driver.AdvanceTime(TimeSpan.FromSeconds(1));
        Assert.Equal(1, Assert.Single(driver.Results, r => r.Provisional).Value.Views);
    }
}
