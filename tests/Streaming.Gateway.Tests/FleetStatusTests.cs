using System.Net;
using System.Text.Json;
using Streaming.Gateway.Status;

namespace Streaming.Gateway.Tests;

/// <summary>GET /v1/status and GET /metrics of the gateway in process, and the lag read from consumers' metrics pages.</summary>
public sealed class FleetStatusTests(GatewayFactory factory) : IClassFixture<GatewayFactory>
{
    [Fact]
    public void Lag_is_summed_per_consumer_group_from_a_prometheus_page()
    {
        const string page = """
            # TYPE streaming_consumer_lag gauge
            # HELP streaming_consumer_lag Records between a consumer's position and the end of the partition.
            streaming_consumer_lag{otel_scope_name="Streaming.Kafka",messaging_consumer_group_name="aggregator.bookings",messaging_destination_name="events",messaging_destination_partition_id="0"} 3 1763900000000
            streaming_consumer_lag{otel_scope_name="Streaming.Kafka",messaging_consumer_group_name="aggregator.bookings",messaging_destination_name="events",messaging_destination_partition_id="1"} 4
            streaming_consumer_lag{otel_scope_name="Streaming.Kafka",messaging_consumer_group_name="profiles",messaging_destination_name="product-events",messaging_destination_partition_id="0"} 0
            streaming_consumer_lag_other{messaging_consumer_group_name="x"} 100
            streaming_stage_records_in_total{stage="profiles"} 12
            """;
        var perGroup = new Dictionary<string, long> { ["profiles"] = 5 };

        FleetStatusProbe.AddLag(page, perGroup);

        Assert.Equal(new Dictionary<string, long> { ["aggregator.bookings"] = 7, ["profiles"] = 5 }, perGroup);
    }

    [Fact]
    public async Task Without_clickhouse_and_lag_sources_the_status_says_it_knows_nothing_yet()
    {
        using var response = await factory.CreateClient().GetAsync("/v1/status");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(JsonValueKind.Null, body.RootElement.GetProperty("newest_final_minute").ValueKind);
        Assert.Equal(JsonValueKind.Null, body.RootElement.GetProperty("freshness_seconds").ValueKind);
        Assert.Equal(JsonValueKind.Null, body.RootElement.GetProperty("lag_total").ValueKind);
        Assert.Equal(0, body.RootElement.GetProperty("lag").GetArrayLength());
    }

    [Fact]
    public async Task Metrics_are_served_for_prometheus()
    {
        var client = factory.CreateClient();
        using (await client.GetAsync("/healthz"))
        {
            // A request, so that the HTTP server metrics have a series.
        }

        using var response = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("http_server_request_duration_seconds_bucket{", page, StringComparison.Ordinal);
        Assert.Contains("dotnet_process_cpu_time_seconds_total", page, StringComparison.Ordinal);
    }
}
