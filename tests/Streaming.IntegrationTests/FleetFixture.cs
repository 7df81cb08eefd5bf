using System.Net.Http.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.DevHost.Fleet;
using Streaming.Events;
using Streaming.Kafka;

namespace Streaming.IntegrationTests;

/// <summary>
/// The real fleet for a test class: local Kafka in this process, a real ClickHouse, every service as its own process,
/// with a database of its own. Timings are shortened so that windows of past minutes close within a second or two.
/// Tracing is on, exported to <see cref="Otlp"/>, so the tests run the traced paths as production does with a collector.
/// </summary>
public sealed class FleetFixture : IAsyncLifetime
{
    private readonly HttpClient clickHouseHttp = new();

    public LocalFleet Fleet { get; private set; } = null!;

    public HttpClient Ingest { get; private set; } = null!;

    public HttpClient Gateway { get; private set; } = null!;

    public ClickHouseClient ClickHouse { get; private set; } = null!;

    public OtlpReceiver Otlp { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // Kept under artifacts/ (replaced by the next run) so that a failure's service logs can be read.
        var state = Path.Combine(ServiceLayout.RepositoryRoot(), "artifacts", "integration-fleet");
        if (Directory.Exists(state))
        {
            Directory.Delete(state, recursive: true);
        }

        Otlp = await OtlpReceiver.StartAsync();
        var settings = new FleetSettings
        {
            StateFolder = state,
            ClickHouseDatabase = "it_" + Guid.NewGuid().ToString("N")[..10],
            ServiceConfiguration = new Dictionary<string, string>
            {
                ["Aggregator__Grace"] = "00:00:02",
                ["Aggregator__IdleTimeout"] = "00:00:01",
                ["Topology__CommitInterval"] = "00:00:00.200",
                ["Topology__CheckpointInterval"] = "00:00:00.200",
                // Provisional updates on, so the tests see finals replace them.
                ["Aggregator__ProvisionalInterval"] = "00:00:01",
                ["Sink__BatchAge"] = "00:00:00.200",
                // These tests check the stream path itself; the ledger would repair (and so hide) a wrong result.
                // LedgerEndToEndTests runs it.
                ["Ledger__Enabled"] = "false",
                ["Kafka__SessionTimeoutMs"] = "6000",
                ["Ingest__MaxBodyBytes"] = "262144",
                ["Ingest__MaxEventsPerRequest"] = "500",
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Otlp.Url,
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["OTEL_BSP_SCHEDULE_DELAY"] = "1000",
                ["OTEL_METRIC_EXPORT_INTERVAL"] = "5000",
            },
        };
        Fleet = await LocalFleet.StartAsync(settings, _ => { }, CancellationToken.None);
        Ingest = new HttpClient { BaseAddress = new Uri(Fleet.IngestUrl) };
        Ingest.DefaultRequestHeaders.Add("X-Api-Key", settings.ApiKey);
        Gateway = new HttpClient { BaseAddress = new Uri(Fleet.GatewayUrl) };
        ClickHouse = new ClickHouseClient(clickHouseHttp, Options.Create(Fleet.ClickHouseOptions));
    }

    public Task<HttpResponseMessage> PostEventsAsync(IEnumerable<IncomingEvent> events) =>
        Ingest.PostAsJsonAsync("/v1/events", events.ToList(), EventJsonContext.Default.ListIncomingEvent);

    public List<ConsumeResult<string, byte[]>> ReadWholeTopic(string topic) => TopicReader.ReadAll(Fleet.KafkaBootstrap, topic);

    public async Task DisposeAsync()
    {
        Ingest?.Dispose();
        Gateway?.Dispose();
        clickHouseHttp.Dispose();
        if (Fleet is not null)
        {
            await Fleet.DisposeAsync();
        }

        if (Otlp is not null)
        {
            await Otlp.DisposeAsync();
        }
    }
}

/// <summary>One fleet for all integration tests: starting it costs seconds, and the tests use disjoint data.</summary>
[CollectionDefinition(Name)]
public sealed class FleetCollection : ICollectionFixture<FleetFixture>
{
    public const string Name = "fleet";
}
