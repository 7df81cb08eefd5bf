using Microsoft.Extensions.Time.Testing;
using Streaming.DevHost.Supervision;

namespace Streaming.DevHost.Tests;

public sealed class RestartBackoffTests
{
    private static readonly RestartPolicy Policy = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1));

    [Fact]
    public void A_process_that_keeps_failing_waits_twice_as_long_each_time_up_to_the_maximum()
    {
        var time = new FakeTimeProvider();
        var backoff = new RestartBackoff(Policy, time);
        var delays = new List<double>();
        for (var i = 0; i < 9; i++)
        {
            var delay = backoff.Exited();
            delays.Add(delay.TotalSeconds);
            time.Advance(delay);
            backoff.Started();
        }

        Assert.Equal([1, 2, 4, 8, 16, 30, 30, 30, 30], delays);
        Assert.Equal(9, backoff.Failures);
    }

    [Fact]
    public void A_process_that_ran_for_the_stable_time_starts_over_at_the_first_delay()
    {
        var time = new FakeTimeProvider();
        var backoff = new RestartBackoff(Policy, time);
        backoff.Exited();
        backoff.Exited();
        Assert.Equal(TimeSpan.FromSeconds(4), backoff.Exited());
        backoff.Started();

        time.Advance(Policy.StableAfter - TimeSpan.FromTicks(1));
        Assert.Equal(TimeSpan.FromSeconds(8), backoff.Exited());
        backoff.Started();
        time.Advance(Policy.StableAfter);

        Assert.Equal(Policy.FirstDelay, backoff.Exited());
        Assert.Equal(1, backoff.Failures);
    }

    [Fact]
    public void The_first_exit_waits_the_first_delay_whenever_it_comes()
    {
        var time = new FakeTimeProvider();
        var backoff = new RestartBackoff(Policy, time);

        Assert.Equal(Policy.FirstDelay, backoff.Exited());
    }
}
