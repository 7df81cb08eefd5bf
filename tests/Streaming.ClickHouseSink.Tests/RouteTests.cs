using System.Text;
using Streaming.Kafka;
using Streaming.Metrics.Bookings;
using Streaming.Metrics.ConcurrentUsers;
using Streaming.Metrics.Popularity;
using Streaming.Metrics.RawEvents;

namespace Streaming.ClickHouseSink.Tests;

/// <summary>Records as the aggregator writes them are read; records no table can hold get a reason for the dead-letter topic.</summary>
public sealed class RouteTests
{
    [Fact]
    public void A_bookings_result_as_the_aggregator_writes_it_is_read()
    {
        var json = """
            {"window_start":"2026-11-21T10:00:00+00:00","dimension":"city","dimension_value":"Seoul","currency":"KRW","partition":2,
             "revision":17,"provisional":true,"bookings":3,"cancellations":1,"revenue_minor":15000,"cancelled_revenue_minor":5000}
            """;
        var route = BookingsTable.Sink;
        Assert.True(RecordJson.TryRead(Encoding.UTF8.GetBytes(json), route.Json, out var result, out _));
        Assert.Null(route.Problem(result));
        Assert.Equal(("Seoul", 2, 17L, true), (result.DimensionValue, result.Partition, result.Revision, result.Provisional));
    }

    [Theory]
    [InlineData("""{"window_start":"2026-11-21T10:00:00Z","dimension":"all","dimension_value":"","partition":0,"revision":-1,"provisional":false,"users":1}""", "revision is negative")]
    [InlineData("""{"window_start":"2026-11-21T10:00:00Z","dimension":"all","dimension_value":"","partition":0,"revision":1,"provisional":false,"users":-3}""", "users is negative")]
    [InlineData("""{"window_start":"1960-01-01T00:00:00Z","dimension":"all","dimension_value":"","partition":0,"revision":1,"provisional":false,"users":3}""", "outside ClickHouse's DateTime range")]
    [InlineData("""{"window_start":"2026-11-21T10:00:00Z","dimension":"","dimension_value":"","partition":0,"revision":1,"provisional":false,"users":3}""", "dimension is empty")]
    public void Results_no_table_can_hold_are_refused_with_a_reason(string json, string reason)
    {
        var route = ConcurrentUsersTable.Sink;
        Assert.True(RecordJson.TryRead(Encoding.UTF8.GetBytes(json), route.Json, out var result, out _));
        Assert.Contains(reason, route.Problem(result), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_route_has_its_own_topic_table_and_name()
    {
        var routes = new (string Name, string Topic, string Table)[]
        {
            (ConcurrentUsersTable.Sink.Name, ConcurrentUsersTable.Sink.Topic, ConcurrentUsersTable.Sink.Table),
            (BookingsTable.Sink.Name, BookingsTable.Sink.Topic, BookingsTable.Sink.Table),
            (PopularityTable.Sink.Name, PopularityTable.Sink.Topic, PopularityTable.Sink.Table),
            (RawEventsTable.Sink.Name, RawEventsTable.Sink.Topic, RawEventsTable.Sink.Table),
        };
        Assert.Equal(4, routes.Select(r => r.Name).Distinct().Count());
        Assert.Equal(4, routes.Select(r => r.Topic).Distinct().Count());
        Assert.Equal(4, routes.Select(r => r.Table).Distinct().Count());
    }
}
