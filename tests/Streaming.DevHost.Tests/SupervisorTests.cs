using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using Streaming.DevHost.Supervision;

namespace Streaming.DevHost.Tests;

public sealed class SupervisorTests : IAsyncDisposable
{
    private static readonly RestartPolicy Policy = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1));
    private readonly FakeTimeProvider time = new();
    private readonly Channel<string> reports = Channel.CreateUnbounded<string>();
    private readonly CancellationTokenSource stop = new();
    private readonly Supervisor supervisor;
    private readonly FakeProcess process;

    public SupervisorTests()
    {
        supervisor = new Supervisor(Policy, time, line => reports.Writer.TryWrite(line), stop.Token);
        process = new FakeProcess("Aggregator", time);
        supervisor.Watch(process);
    }

    [Fact]
    public async Task An_exited_process_starts_again_after_the_first_delay_and_the_exit_is_reported_with_its_log()
    {
        var exitedAt = time.GetUtcNow();
        process.Exit(137);

        Assert.Equal("Aggregator exited with code 137; starting it again in 1 s (log: /logs/Aggregator.log)", await NextReportAsync());
        Assert.Equal(new SupervisedStatus("Aggregator", 0, true, 137, exitedAt + Policy.FirstDelay), Assert.Single(supervisor.Statuses));
        time.Advance(Policy.FirstDelay - TimeSpan.FromTicks(1));
        time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(exitedAt + Policy.FirstDelay, await process.NextStartAsync());
        Assert.Equal("restarted Aggregator (1x)", await NextReportAsync());
        Assert.Equal(new SupervisedStatus("Aggregator", 1, false, 137, null), Assert.Single(supervisor.Statuses));
    }

    [Fact]
    public async Task A_process_that_keeps_failing_is_started_again_every_time_with_growing_delays()
    {
        double[] expected = [1, 2, 4, 8, 16, 30, 30, 30];
        foreach (var seconds in expected)
        {
            var exitedAt = time.GetUtcNow();
            process.Exit(1);
            Assert.StartsWith($"Aggregator exited with code 1; starting it again in {seconds} s", await NextReportAsync(), StringComparison.Ordinal);
            time.Advance(TimeSpan.FromSeconds(seconds) - TimeSpan.FromTicks(1));
            time.Advance(TimeSpan.FromTicks(1));
            Assert.Equal(exitedAt + TimeSpan.FromSeconds(seconds), await process.NextStartAsync());
            Assert.StartsWith("restarted Aggregator", await NextReportAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(expected.Length, process.Restarts);
        Assert.Equal(expected.Length, Assert.Single(supervisor.Statuses).Restarts);
    }

    [Fact]
    public async Task A_process_that_ran_for_a_while_before_exiting_starts_again_after_the_first_delay()
    {
        foreach (var seconds in new[] { 1, 2, 4 })
        {
            process.Exit(1);
            await NextReportAsync();
            time.Advance(TimeSpan.FromSeconds(seconds));
            await process.NextStartAsync();
            await NextReportAsync();
        }

        time.Advance(Policy.StableAfter);
        process.Exit(1);

        Assert.StartsWith("Aggregator exited with code 1; starting it again in 1 s", await NextReportAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_start_that_fails_is_reported_and_tried_again_after_a_longer_delay()
    {
        process.FailingStarts = 1;
        process.Exit(1);
        await NextReportAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        await process.NextStartAsync();

        Assert.Equal("Aggregator did not start again (InvalidOperationException: port in use) (log: /logs/Aggregator.log)", await NextReportAsync());
        Assert.StartsWith("Aggregator exited with code -1; starting it again in 2 s", await NextReportAsync(), StringComparison.Ordinal);
        Assert.Equal(0, Assert.Single(supervisor.Statuses).Restarts);
        time.Advance(TimeSpan.FromSeconds(2));
        await process.NextStartAsync();
        Assert.Equal("restarted Aggregator (1x)", await NextReportAsync());
        Assert.Equal(1, process.Restarts);
    }

    [Fact]
    public async Task Nothing_starts_again_once_the_demo_is_stopping()
    {
        process.Exit(1);
        await NextReportAsync();
        await stop.CancelAsync();
        time.Advance(TimeSpan.FromMinutes(5));
        process.Exit(1);

        await supervisor.DisposeAsync();

        Assert.Equal(0, process.Restarts);
        Assert.False(reports.Reader.TryRead(out var report), report);
    }

    [Fact]
    public async Task An_exit_after_the_supervisor_is_disposed_is_not_restarted()
    {
        await supervisor.DisposeAsync();
        process.Exit(143);
        time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(0, process.Restarts);
        Assert.False(reports.Reader.TryRead(out var report), report);
    }

    private async Task<string> NextReportAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await reports.Reader.ReadAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await supervisor.DisposeAsync();
        stop.Dispose();
    }
}
