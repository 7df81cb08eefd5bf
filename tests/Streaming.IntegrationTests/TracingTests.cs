using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.Kafka.Telemetry;

namespace Streaming.IntegrationTests;

/// <summary>Trace context through the running fleet, with tracing on (the fixture's OTLP receiver stands in for a collector).</summary>
[Collection(FleetCollection.Name)]
public sealed class TracingTests(FleetFixture fixture)
{
    [Fact]
    public async Task An_ingest_request_s_trace_is_carried_by_its_events_and_the_results_carry_the_aggregator_s_batches()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var caller = ActivitySpanId.CreateRandom();
        var minute = DateTimeOffset.UtcNow.AddMinutes(-3);
        var events = Enumerable.Range(0, 20).Select(i => new IncomingEvent(
            $"trace-{traceId}-{i}", EventTypes.BookingConfirmed, $"trace-u{i}", "trace-s", "trace-p1",
            minute.AddSeconds(i).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), "ios", "KR", "Seoul", 500, "KRW", "tour")).ToList();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events")
        {
            Content = JsonContent.Create(events, EventJsonContext.Default.ListIncomingEvent),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{caller}-01");
        using (var response = await fixture.Ingest.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        // Each event carries a span of the caller's trace: ingest's "send events", a child of its POST span.
        var sent = fixture.ReadWholeTopic(Topics.Events).Where(r => r.Message.Key.StartsWith("trace-u", StringComparison.Ordinal)).ToList();
        Assert.Equal(20, sent.Count);
        var contexts = sent.Select(r => TraceHeaders.TryExtract(r.Message.Headers, out var c) ? c : default).ToList();
        Assert.All(contexts, c => Assert.Equal(traceId, c.TraceId));
        Assert.All(contexts, c => Assert.NotEqual(caller, c.SpanId));
        Assert.Single(contexts.Select(c => c.SpanId).Distinct());

        // The minute's bookings, sent by an aggregator batch: a trace of its own (linked to the events' spans).
        var results = await Eventually.HoldsAsync(
            () => Task.FromResult(fixture.ReadWholeTopic(Topics.MetricsBookings).Where(r => r.Message.Key.Contains("|trace-p1|", StringComparison.Ordinal)).ToList()),
            r => r.Count > 0,
            TimeSpan.FromSeconds(60),
            r => $"{r.Count} results");
        Assert.All(results, r =>
        {
            Assert.True(TraceHeaders.TryExtract(r.Message.Headers, out var batch), "a result without trace context");
            Assert.NotEqual(traceId, batch.TraceId);
        });

        // And spans reach the collector.
        await Eventually.HoldsAsync(() => Task.FromResult(fixture.Otlp.Requests("traces")), n => n > 0, TimeSpan.FromSeconds(30), n => $"{n} trace exports");
    }
}
