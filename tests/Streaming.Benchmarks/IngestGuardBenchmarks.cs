using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;
using Streaming.Events;
using Streaming.Ingest;
using Streaming.Ingest.Events;
using Streaming.ServiceDefaults.Clients;

namespace Streaming.Benchmarks;

/// <summary>
/// What the key and quota checks add to an ingest request: the request's own work up to Kafka's producer (parse,
/// validate, convert and serialize each event) with and without them. Without HTTP and Kafka, so the ratio is an
/// upper bound of the checks' share of a whole request.
/// </summary>
[MemoryDiagnoser]
public class IngestGuardBenchmarks
{
    private const string Key = "bench-app-key-0123456789abcdefghijkl";
    private byte[] body = [];
    private EventBatchReader reader = null!;
    private ApiClients clients = null!;
    private ApiClient quotaClient = null!;

    [Params(1, 100)]
    public int EventsPerRequest { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var now = TimeProvider.System.GetUtcNow();
        body = JsonSerializer.SerializeToUtf8Bytes(new JsonArray([.. Enumerable.Range(0, EventsPerRequest).Select(i => (JsonNode)new JsonObject
        {
            ["event_id"] = "e-" + i.ToString(CultureInfo.InvariantCulture),
            ["type"] = EventTypes.ProductView,
            ["user_id"] = "u-" + (i % 50).ToString(CultureInfo.InvariantCulture),
            ["session_id"] = "s-" + (i % 50).ToString(CultureInfo.InvariantCulture),
            ["product_id"] = "tour-seoul-" + (i % 10).ToString(CultureInfo.InvariantCulture),
            ["occurred_at"] = now.AddSeconds(-30).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["platform"] = "ios",
            ["country"] = "KR",
            ["city"] = "Seoul",
        })]));
        reader = new EventBatchReader(
            Options.Create(new IngestOptions()), new IncomingEventValidator(TimeProvider.System, new EventLimits()), Options.Create(new BookingsOptions()));

        // Three clients of two keys each, as during a rotation; quotas so large that every take succeeds.
        var configured = new ClientsOptions();
        foreach (var (name, scope) in new[] { ("app", ApiScopes.Ingest), ("support", ApiScopes.Support), ("operator", ApiScopes.Operator) })
        {
            configured.Clients[name] = new ClientOptions
            {
                Keys = [name == "app" ? Key : $"{name}-key-0123456789abcdefghijklmnop", $"{name}-next-key-0123456789abcdefghijklm"],
                Scopes = [scope],
                Quota = new ClientQuotaOptions { EventsPerSecond = 1e7, EventsBurst = 100_000_000, RequestsPerMinute = 1e8, RequestsBurst = 10_000_000 },
            };
        }

        clients = new ApiClients(Options.Create(configured), TimeProvider.System);
        quotaClient = clients.Find(Key)!;
    }

    [Benchmark(Baseline = true)]
    public int Request() => Handle(body);

    [Benchmark]
    public int RequestWithKeyCheck()
    {
        var client = clients.Find(Key);
        return client is not null && client.Has(ApiScopes.Ingest) ? Handle(body) : -1;
    }

    [Benchmark]
    public int RequestWithKeyAndQuotaChecks()
    {
        var client = clients.Find(Key);
        if (client is null || !client.Has(ApiScopes.Ingest) || !client.Requests.TryTake(1, out _))
        {
            return -1;
        }

        return Handle(body, client);
    }

    /// <summary>The key check alone: hash the presented key, compare with all six digests, look up the scope.</summary>
    [Benchmark]
    public bool KeyCheck() => clients.Find(Key) is { } client && client.Has(ApiScopes.Ingest);

    /// <summary>The quota checks alone: a request token and the batch's event tokens.</summary>
    [Benchmark]
    public bool QuotaChecks() => quotaClient.Requests.TryTake(1, out _) && quotaClient.Events.TryTake(EventsPerRequest, out _);

    /// <summary>IngestEndpoint's work on a body, the events quota where the endpoint takes it, up to the producer.</summary>
    private int Handle(byte[] request, ApiClient? client = null)
    {
        var batch = reader.Read(request);
        if (!batch.IsValid || (client is not null && !client.Events.TryTake(batch.Events.Count, out _)))
        {
            return -1;
        }

        var receivedAt = TimeProvider.System.GetUtcNow();
        var bytes = 0;
        foreach (var incoming in batch.Events)
        {
            bytes += JsonSerializer.SerializeToUtf8Bytes(incoming.ToAppEvent(receivedAt), EventJsonContext.Default.AppEvent).Length;
        }

        return bytes;
    }
}
