using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.LocalServers;
using Streaming.Metrics;
using Streaming.Metrics.Popularity;

namespace Streaming.Aggregator.Tests;

/// <summary>With valid settings and a local Kafka the aggregator runs one topology per metric of the catalog.</summary>
public sealed class TopologyHostingTests
{
    private const string GroupPrefix = "agg-test";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Every_metric_gets_a_task_per_input_partition_and_reads_what_is_piped_in()
    {
        using var kafka = LocalKafkaCluster.Start(1, Topics.DefaultPartitions);
        using var factory = new AggregatorFactory(new Dictionary<string, string>
        {
            ["Kafka:BootstrapServers"] = kafka.BootstrapServers,
            ["Aggregator:GroupPrefix"] = GroupPrefix,
            // Status is published at each checkpoint.
            ["Topology:CheckpointInterval"] = "00:00:00.200",
        });
        using var http = factory.CreateClient();

        // Popularity windows product-events (written by the product-events stage); the other metrics window the events themselves.
        var expected = MetricCatalog.Metrics
            .SelectMany(m => Enumerable.Range(0, 6).Select(p =>
                $"{GroupPrefix}.{m.Name}/{(m.Name == PopularityTopology.Metric ? Topics.ProductEvents : Topics.Events)}/{p}"))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(18, expected.Count);
        var tasks = await WaitForStatusAsync(http, t => t.Keys.Order(StringComparer.Ordinal).SequenceEqual(expected));
        Assert.All(tasks.Values, recordsRead => Assert.Equal(0, recordsRead));

        var clients = new KafkaClients(Options.Create(new KafkaOptions { BootstrapServers = kafka.BootstrapServers }));
        using (var producer = clients.CreateProducer("aggregator-test"))
        {
            var now = DateTimeOffset.UtcNow;
            var booking = new AppEvent("e-1", EventTypes.BookingConfirmed, "u1", "s1", "tour-1", now, "ios", "KR", "Seoul", 45_000, "KRW", now);
            producer.Send(Topics.Events, booking.UserId, JsonSerializer.SerializeToUtf8Bytes(booking, EventJsonContext.Default.AppEvent));
            producer.FlushAndThrowIfFailed(Timeout);
        }

        // Each topology reads the one event once: bookings and concurrent users from events, popularity after the
        // product-events stage re-keyed it by product (so the aggregator runs the stage too).
        var read = await WaitForStatusAsync(http, t => MetricCatalog.Metrics.All(m => RecordsRead(t, m) >= 1));
        Assert.All(MetricCatalog.Metrics, m => Assert.Equal(1, RecordsRead(read, m)));
    }

    private static long RecordsRead(Dictionary<string, long> tasks, IMetric metric) =>
        tasks.Where(t => t.Key.StartsWith($"{GroupPrefix}.{metric.Name}/", StringComparison.Ordinal)).Sum(t => t.Value);

    /// <summary>Task id to records read, from GET /v1/status, once <paramref name="condition"/> holds.</summary>
    private static async Task<Dictionary<string, long>> WaitForStatusAsync(HttpClient http, Func<Dictionary<string, long>, bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var response = await http.GetAsync("/v1/status");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var tasks = status.RootElement.GetProperty("tasks").EnumerateArray()
                .ToDictionary(t => t.GetProperty("task").GetString()!, t => t.GetProperty("records_read").GetInt64());
            if (condition(tasks))
            {
                return tasks;
            }

            Assert.True(clock.Elapsed < Timeout, $"Status not reached within {Timeout.TotalSeconds:0} s; last: {status.RootElement}");
            await Task.Delay(100);
        }
    }
}
