using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Streaming.DevHost.Fleet;
using Streaming.Events;

namespace Streaming.IntegrationTests;

/// <summary>
/// The Grafana dashboard against the running fleet: every metric its queries use is on some service's /metrics, every
/// consuming service publishes its lag, and the gateway's status has freshness and lag.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed partial class DashboardMetricsTests(FleetFixture fixture)
{
    private static readonly string[] Consumers = [LocalFleet.Aggregator, LocalFleet.ClickHouseSink, LocalFleet.Profiles, LocalFleet.PushTrigger];

    [Fact]
    public void The_dashboard_queries_name_metrics()
    {
        var names = DashboardMetricNames();
        Assert.Contains("streaming_consumer_lag", names);
        Assert.Contains("streaming_freshness_seconds", names);
        Assert.Contains("streaming_windows_emit_delay_seconds_bucket", names);
        Assert.DoesNotContain("sum", names);
        Assert.DoesNotContain("le", names);
    }

    [Fact]
    public async Task Every_metric_the_dashboard_uses_is_exposed_by_the_running_fleet()
    {
        var wanted = DashboardMetricNames();
        // Traffic that makes every series appear: events of the current minute (an open window, whatever other tests
        // did before: it closes at most a minute later, once its end plus the grace has passed on the idle partitions,
        // then the sink inserts it and the gateway sees a final minute), and a rejected request.
        var now = DateTimeOffset.UtcNow;
        var minute = now.AddSeconds(-Math.Min(now.Second, 20));
        var events = Enumerable.Range(0, 40).Select(i => new IncomingEvent(
            $"dash-{i}", i % 4 == 0 ? EventTypes.BookingConfirmed : EventTypes.ProductView, $"dash-u{i % 7}", "dash-s", $"dash-p{i % 3}",
            minute.AddSeconds(i % 20).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), "web", "KR", "Seoul",
            i % 4 == 0 ? 1000 : null, i % 4 == 0 ? "KRW" : null, "tour")).ToList();
        using (var accepted = await fixture.PostEventsAsync(events))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        using (var rejected = await fixture.Ingest.PostAsync("/v1/events", new StringContent("[]", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        }

        // Each consuming service publishes its own lag (first sampled a second or so after it joined its groups).
        await Eventually.HoldsAsync(
            ScrapeAsync,
            pages => wanted.All(name => pages.Values.Any(page => page.Contains(name))) && Consumers.All(c => pages[c].Contains("streaming_consumer_lag")),
            TimeSpan.FromSeconds(120),
            pages => "missing: " + string.Join(", ", wanted.Where(name => !pages.Values.Any(page => page.Contains(name)))
                .Concat(Consumers.Where(c => !pages[c].Contains("streaming_consumer_lag")).Select(c => "streaming_consumer_lag on " + c))));

        var lagLine = (await fixture.Gateway.GetStringAsync(fixture.Fleet.Service(LocalFleet.ClickHouseSink).Url + "/metrics"))
            .Split('\n').First(l => l.StartsWith("streaming_consumer_lag{", StringComparison.Ordinal));
        Assert.Contains("messaging_consumer_group_name=\"clickhouse-sink.", lagLine, StringComparison.Ordinal);
        Assert.Contains("messaging_destination_name=\"", lagLine, StringComparison.Ordinal);
        Assert.Contains("messaging_destination_partition_id=\"", lagLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_gateway_status_has_freshness_and_the_lag_of_every_consumer_group()
    {
        var status = await Eventually.HoldsAsync(
            async () => JsonDocument.Parse(await fixture.Gateway.GetStringAsync("/v1/status")).RootElement.Clone(),
            s => s.GetProperty("lag_total").ValueKind == JsonValueKind.Number && s.GetProperty("lag").GetArrayLength() >= 8,
            TimeSpan.FromSeconds(60),
            s => s.ToString());
        var groups = status.GetProperty("lag").EnumerateArray().Select(g => g.GetProperty("group").GetString()).ToList();
        Assert.Contains("aggregator.bookings", groups);
        Assert.Contains("aggregator.product-events-repartition", groups);
        Assert.Contains("clickhouse-sink.events", groups);
        Assert.Contains("push-trigger", groups);
    }

    /// <summary>Each service's /metrics page, by service name.</summary>
    private async Task<Dictionary<string, HashSet<string>>> ScrapeAsync()
    {
        var pages = new Dictionary<string, HashSet<string>>();
        foreach (var service in fixture.Fleet.Services)
        {
            var page = await fixture.Gateway.GetStringAsync(service.Url + "/metrics");
            // Kept beside the service logs, to see what a failing run exposed.
            await File.WriteAllTextAsync(Path.Combine(fixture.Fleet.LogFolder, service.Name + ".metrics.txt"), page);
            pages[service.Name] = SeriesNames(page);
        }

        return pages;
    }

    /// <summary>The names of the series on a Prometheus text page (what precedes the labels or the value).</summary>
    private static HashSet<string> SeriesNames(string page) =>
    [
        .. page.Split('\n')
            .Where(line => line.Length > 0 && line[0] != '#')
            .Select(line => line[..line.IndexOfAny(['{', ' '])]),
    ];

    /// <summary>
    /// The metric names in the dashboard's PromQL: identifiers left once label matchers, ranges, strings and grouping
    /// clauses are removed, that are neither functions (followed by a parenthesis) nor keywords.
    /// </summary>
    private static HashSet<string> DashboardMetricNames()
    {
        var path = Path.Combine(ServiceLayout.RepositoryRoot(), "k8s", "monitoring", "streaming-dashboard.json");
        using var dashboard = JsonDocument.Parse(File.ReadAllText(path));
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var expr in Expressions(dashboard.RootElement))
        {
            var stripped = Grouping().Replace(Ranges().Replace(Matchers().Replace(expr, " "), " "), " ");
            foreach (Match identifier in Identifier().Matches(stripped))
            {
                var rest = stripped.AsSpan(identifier.Index + identifier.Length).TrimStart();
                if (!rest.StartsWith("(") && !Keywords.Contains(identifier.Value))
                {
                    names.Add(identifier.Value);
                }
            }
        }

        Assert.NotEmpty(names);
        return names;
    }

    private static readonly HashSet<string> Keywords = ["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset"];

    private static IEnumerable<string> Expressions(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p =>
            p.Name == "expr" && p.Value.ValueKind == JsonValueKind.String ? [p.Value.GetString()!] : Expressions(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Expressions),
        _ => [],
    };

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Matchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(by|without|on|ignoring)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex Identifier();
}
