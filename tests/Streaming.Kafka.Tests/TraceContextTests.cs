using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Streaming.Kafka.Telemetry;

namespace Streaming.Kafka.Tests;

/// <summary>W3C trace context through record headers: written by the producer under an activity, linked by batch spans.</summary>
[Collection(LocalKafkaCollection.Name)]
public sealed class TraceContextTests(LocalKafka kafka)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void Records_sent_under_a_sampled_activity_carry_its_context_and_others_carry_none()
    {
        var clients = kafka.CreateClients(Topics.Events);
        var topic = clients.Options.Name(Topics.Events);
        string traceParent;
        using (var producer = clients.CreateProducer("trace-test"))
        {
            using (var request = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start())
            {
                request.ActivityTraceFlags = ActivityTraceFlags.Recorded;
                request.TraceStateString = "vendor=1";
                traceParent = request.Id!;
                producer.Send(topic, "traced", "1"u8.ToArray(), new Headers { { "late-for", "x"u8.ToArray() } });
            }

            producer.Send(topic, "untraced", "2"u8.ToArray());
            using (new Activity("not sampled").SetIdFormat(ActivityIdFormat.W3C).Start())
            {
                producer.Send(topic, "unsampled", "3"u8.ToArray());
            }

            producer.FlushAndThrowIfFailed(Timeout);
            Assert.Equal(3, producer.Counters!.Output(topic).Value);
        }

        var records = LocalKafka.Read(clients, Topics.Events, 3, Timeout);
        var traced = Assert.Single(records, r => r.Message.Key == "traced");
        Assert.Equal(traceParent, Encoding.UTF8.GetString(traced.Message.Headers.GetLastBytes(TraceHeaders.TraceParent)));
        Assert.Equal("x", Encoding.UTF8.GetString(traced.Message.Headers.GetLastBytes("late-for")));
        Assert.True(TraceHeaders.TryExtract(traced.Message.Headers, out var context));
        Assert.Equal(traceParent, TraceParent(context));
        Assert.Equal("vendor=1", context.TraceState);
        Assert.True(context.IsRemote);
        Assert.Empty(Assert.Single(records, r => r.Message.Key == "untraced").Message.Headers);
        Assert.Empty(Assert.Single(records, r => r.Message.Key == "unsampled").Message.Headers);
    }

    [Fact]
    public void A_batch_span_links_the_distinct_producer_contexts_of_its_records_up_to_its_bound()
    {
        using var source = new ActivitySource("test." + Guid.NewGuid().ToString("N"));
        var stopped = new List<Activity>();
        using var listener = Listen(source, stopped);
        var span = new ConsumerBatchSpan(source, "events", "group-a", maxLinks: 3);
        var producers = Enumerable.Range(0, 5).Select(_ => Headers(new Activity("p").SetIdFormat(ActivityIdFormat.W3C).Start())).ToList();

        // Records of one request arrive together; each repeat is one record more but no new link.
        span.Add(producers[0]);
        span.Add(producers[0]);
        span.Add(producers[1]);
        span.Add(null);
        span.Add(producers[2]);
        span.Add(producers[3]);
        Assert.Same(span.Recording, Activity.Current); // Output sent now carries the batch's context.
        span.Stop();

        var batch = Assert.Single(stopped);
        Assert.Null(Activity.Current);
        Assert.Equal("process events", batch.DisplayName);
        Assert.Equal(ActivityKind.Consumer, batch.Kind);
        Assert.Equal(default, batch.ParentSpanId);
        Assert.Equal(["kafka", "process", "events", "group-a", 6], new object?[]
        {
            batch.GetTagItem("messaging.system"), batch.GetTagItem("messaging.operation.type"), batch.GetTagItem("messaging.destination.name"),
            batch.GetTagItem("messaging.consumer.group.name"), batch.GetTagItem("messaging.batch.message_count"),
        });
        Assert.Equal(producers.Take(3).Select(h => Encoding.UTF8.GetString(h.GetLastBytes(TraceHeaders.TraceParent))),
            batch.Links.Select(l => TraceParent(l.Context)));
    }

    [Fact]
    public void Without_a_listener_a_batch_span_starts_nothing()
    {
        using var source = new ActivitySource("test." + Guid.NewGuid().ToString("N"));
        var span = new ConsumerBatchSpan(source, "events", "group-a");
        span.Add(Headers(new Activity("p").SetIdFormat(ActivityIdFormat.W3C).Start()));
        Activity.Current = null;
        span.Add(null);
        Assert.Null(span.Start());
        Assert.Null(Activity.Current);
        span.Stop();
    }

    private static string TraceParent(ActivityContext context) =>
        $"00-{context.TraceId}-{context.SpanId}-{(context.TraceFlags.HasFlag(ActivityTraceFlags.Recorded) ? "01" : "00")}";

    private static Headers Headers(Activity producer)
    {
        var headers = new Headers();
        foreach (var (key, value) in TraceHeaders.Encode(producer))
        {
            headers.Add(key, value);
        }

        producer.Stop();
        return headers;
    }

    private static ActivityListener Listen(ActivitySource source, List<Activity> stopped)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = s => ReferenceEquals(s, source),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Add,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
