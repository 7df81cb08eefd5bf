using System.Diagnostics.Metrics;
using Streaming.Events;
using Streaming.Metrics;
using Streaming.Metrics.ConcurrentUsers;
using Streaming.Topology.Testing;

namespace Streaming.Topology.Tests;

/// <summary>streaming.windows.closed and streaming.windows.emit.delay, measured by the stage the driver runs.</summary>
public sealed class WindowMetricsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_closed_window_is_counted_once_per_partition_with_the_time_since_its_end_plus_grace()
    {
        // A prefix of its own: other tests close windows of other topologies meanwhile.
        var options = new MetricOptions { GroupPrefix = "metrics-test-" + Guid.NewGuid().ToString("N")[..8] };
        var topology = options.TopologyName(ConcurrentUsersTopology.Metric);
        var closed = new List<long>();
        var delays = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Streaming.Topology" && instrument.Name is "streaming.windows.closed" or "streaming.windows.emit.delay")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            if (Of(tags) == topology)
            {
                closed.Add(value);
            }
        });
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            if (Of(tags) == topology)
            {
                delays.Add(value);
            }
        });
        listener.Start();
        var driver = new TopologyTestDriver<AppEvent, UserSeries, HashSet<string>>(ConcurrentUsersTopology.Define(options), T0, partitions: 2);
        driver.Pipe(Events.View("u1", "p1", T0.AddSeconds(1)), partition: 0);
        driver.Pipe(Events.View("u2", "p1", T0.AddSeconds(2)), partition: 1);
        driver.AdvanceTime(TimeSpan.FromSeconds(30));
        Assert.Empty(closed);

        // Idle for 70 s: the watermark follows the clock (now - 5 s grace) past the minute's end on both partitions.
        driver.AdvanceTime(TimeSpan.FromSeconds(40));

        Assert.Equal([1, 1], closed);
        Assert.Equal([5.0, 5.0], delays);
    }

    private static string? Of(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "topology")
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}
