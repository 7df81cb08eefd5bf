using Confluent.Kafka;
using Streaming.Events;
using Streaming.Kafka;
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
    public void A_result_that_cannot_be_sent_ends_the_stage_rather_than_dead_letter_the_counted_record()
    {
        var driver = Popularity();
        driver.Pipe(Events.View("u1", "p1", T0.AddSeconds(1)));
        driver.AdvanceTime(TimeSpan.FromMinutes(2)); // the first minute closes
        driver.BeforeResult = _ => throw new ArgumentException("the result cannot be written");

        // A view of the closed minute: a correction, sent while the record is processed.
        var error = Assert.Throws<UndeliveredOutputException>(() => driver.Pipe(Events.View("u2", "p1", T0.AddSeconds(2))));

        // Fatal to the consume loop: it ends the stage, which resumes from its checkpoint, instead of dead-lettering
        // the record the task already counted (an ArgumentException would have been blamed on it).
        Assert.Equal(FailureKind.Fatal, ConsumeFailures.Classify(error));
        Assert.IsType<ArgumentException>(error.InnerException);
        Assert.Empty(driver.DeadLetters);
    }

    [Fact]
    public void Results_sent_before_one_that_failed_are_not_sent_again_and_nothing_is_checkpointed_past_it()
    {
        var driver = Popularity();
        var checkpoint = driver.Checkpoint(0);
        foreach (var product in new[] { "p1", "p2", "p3" })
        {
            driver.Pipe(Events.View("u1", product, T0.AddSeconds(1)));
        }

        var calls = 0;
        driver.BeforeResult = _ =>
        {
            if (++calls == 2)
            {
                throw new KafkaException(ErrorCode.Local_QueueFull);
            }
        };
        Assert.Throws<UndeliveredOutputException>(() => driver.AdvanceTime(TimeSpan.FromMinutes(2))); // closes the minute: three results
        var first = Assert.Single(driver.Results);

        // Nothing more is sent if the stage went on: the failed result first, then the third, each once...
        driver.BeforeResult = null;
        var stored = driver.Checkpoint(0);
        Assert.Equal(3, driver.Results.Count);
        Assert.Equal(3, driver.Results.Select(r => r.Key).Distinct().Count());
        Assert.Equal(first, driver.Results[0]);

        // ...and a restart from the checkpoint before the failure sends the same results again (same identities and values).
        Assert.NotEqual(checkpoint, stored);
        driver.Restart(0, checkpoint);
        driver.AdvanceTime(TimeSpan.FromMinutes(2));
        Assert.Equal(
            driver.Results.Take(3).Select(r => (r.WindowStart, r.Key, r.Revision, r.Value.Views)).OrderBy(r => r.Key, StringComparer.Ordinal),
            driver.Results.Skip(3).Select(r => (r.WindowStart, r.Key, r.Revision, r.Value.Views)).OrderBy(r => r.Key, StringComparer.Ordinal));
    }

    private static TopologyTestDriver<AppEvent, string, PopularityCounts> Popularity() =>
        new(PopularityTopology.Define(new MetricOptions()), T0, upstream: ProductEventsTopology.Define(new MetricOptions()));

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
