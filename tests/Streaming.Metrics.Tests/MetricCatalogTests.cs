using Streaming.Kafka;
using Streaming.Metrics.Pushes;
using Streaming.Metrics.RawEvents;

namespace Streaming.Metrics.Tests;

public sealed class MetricCatalogTests
{
    [Fact]
    public void The_fleet_runs_these_metrics_with_these_topics_and_tables()
    {
        Assert.Equal(
            [
                ("concurrent-users", "metrics.concurrent-users", "concurrent_users_minute"),
                ("bookings", "metrics.bookings", "bookings_minute"),
                ("popularity", "metrics.popularity", "popularity_minute"),
            ],
            MetricCatalog.Metrics.Select(m => (m.Name, m.ResultTopic, m.SinkTable.Table)));
    }

    [Fact]
    public void The_aggregator_runs_the_product_events_stage_which_popularity_reads()
    {
        Assert.Equal([("product-events", Topics.ProductEvents)], MetricCatalog.Stages.Select(s => (s.Name, s.OutputTopic)));
        Assert.All(MetricCatalog.Stages, s => Assert.True(Topics.DefaultPartitions.ContainsKey(s.OutputTopic), $"{s.OutputTopic} is not among the fleet's topics"));
        Assert.All(MetricCatalog.Stages, s => Assert.DoesNotContain(MetricCatalog.Metrics, m => m.Name == s.Name));
    }

    [Fact]
    public void Names_topics_and_tables_are_unique()
    {
        var metrics = MetricCatalog.Metrics;
        Assert.Equal(metrics.Count, metrics.Select(m => m.Name).Distinct().Count());
        Assert.Equal(metrics.Count, metrics.Select(m => m.ResultTopic).Distinct().Count());
        var tables = MetricCatalog.SinkTables;
        Assert.Equal(tables.Count, tables.Select(t => t.Name).Distinct().Count());
        Assert.Equal(tables.Count, tables.Select(t => t.Topic).Distinct().Count());
        Assert.Equal(tables.Count, tables.Select(t => t.Table).Distinct().Count());
        Assert.Equal(
            metrics.Count + metrics.Sum(m => m.Views.Count) + 1 + 1 + PushDecisionsTable.Views.Count,
            FleetSchema.Tables.Concat(FleetSchema.Views).Distinct().Count());
    }

    [Fact]
    public void Each_metric_sinks_its_own_result_topic_which_the_fleet_creates()
    {
        Assert.All(MetricCatalog.Metrics, m =>
        {
            Assert.Equal(m.ResultTopic, m.SinkTable.Topic);
            Assert.Equal(m.Name, m.SinkTable.Name);
            Assert.True(Topics.DefaultPartitions.ContainsKey(m.ResultTopic), $"{m.ResultTopic} is not among the fleet's topics");
        });
    }

    [Fact]
    public void The_sink_writes_every_metric_the_raw_events_and_the_push_decisions()
    {
        Assert.Equal(
            [.. MetricCatalog.Metrics.Select(m => m.SinkTable), RawEventsTable.Sink, PushDecisionsTable.Sink],
            MetricCatalog.SinkTables);
        Assert.True(Topics.DefaultPartitions.ContainsKey(PushDecisionsTable.Sink.Topic));
        Assert.Equal((Topics.Events, RawEventsTable.Table), (RawEventsTable.Sink.Topic, RawEventsTable.Sink.Table));
    }
}
