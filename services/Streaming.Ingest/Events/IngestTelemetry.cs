using System.Diagnostics.Metrics;
using Streaming.ServiceDefaults.Clients;

namespace Streaming.Ingest.Events;

/// <summary>The ingest's meter ("Streaming.Ingest"): events accepted, requests rejected by reason.</summary>
public static class IngestTelemetry
{
    public const string Name = "Streaming.Ingest";
    public const string ReasonTag = "reason";

    /// <summary>Reasons a request is rejected, as the <c>reason</c> label says them.</summary>
    public const string Invalid = "invalid";
    public const string TooLarge = "too_large";
    public const string Unauthorized = ApiScopeFilter.Unauthorized;
    public const string Forbidden = ApiScopeFilter.Forbidden;
    public const string OverQuota = ApiScopeFilter.OverQuota;
    public const string KafkaUnavailable = "kafka_unavailable";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Accepted = Meter.CreateCounter<long>(
        "streaming.ingest.events.accepted", "{event}", "Events written to Kafka and acknowledged (202 answers).");

    private static readonly Counter<long> Rejected = Meter.CreateCounter<long>(
        "streaming.ingest.requests.rejected", "{request}",
        "Requests refused as a whole, by reason: invalid (400), too_large (413), unauthorized (401), forbidden (403), quota (429), kafka_unavailable (503).");

    public static void EventsAccepted(int count) => Accepted.Add(count);

    public static void RequestRejected(string reason) => Rejected.Add(1, new KeyValuePair<string, object?>(ReasonTag, reason));
}
