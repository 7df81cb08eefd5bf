using Streaming.DevHost.Summary;
using Streaming.DevHost.Supervision;

namespace Streaming.DevHost.Tests;

public sealed class HealthSummaryTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 18, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Without_a_supervisor_exited_services_are_named()
    {
        Assert.Equal("all services up", HealthSummary.Format([], null, Now));
        Assert.Equal("DOWN: Aggregator,Gateway (see logs)", HealthSummary.Format(["Aggregator", "Gateway"], null, Now));
    }

    [Fact]
    public void Restarts_are_counted_per_process_once_everything_runs_again()
    {
        SupervisedStatus[] statuses =
        [
            new("ClickHouse", 1, false, 137, null),
            new("Aggregator", 2, false, 1, null),
            new("Gateway", 0, false, null, null),
        ];

        Assert.Equal("all services up; restarted ClickHouse 1x, Aggregator 2x", HealthSummary.Format([], statuses, Now));
    }

    [Fact]
    public void A_process_that_is_down_shows_its_exit_code_and_when_it_starts_again()
    {
        SupervisedStatus[] statuses =
        [
            new("Aggregator", 3, true, 137, Now.AddSeconds(7.2)),
            new("Redis", 0, true, 1, Now.AddSeconds(-1)),
            new("Gateway", 0, true, 1, null),
        ];

        Assert.Equal(
            "DOWN: Aggregator (exit 137, next start in 8 s), Redis (exit 1, starting), Gateway (exit 1, did not start again, see its log); restarted Aggregator 3x",
            HealthSummary.Format(["Aggregator"], statuses, Now));
    }
}
