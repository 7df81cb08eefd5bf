using System.Diagnostics;
using Confluent.Kafka;

namespace Streaming.Kafka.Telemetry;

/// <summary>
/// One "process {topic}" consumer span over a batch of records instead of one per record (which would cost more than
/// the processing): opened by the first record or the first output of a batch, linked to the producer contexts of the
/// batch's records (distinct ones, at most <paramref name="maxLinks"/>), current while the batch's output is sent (so
/// that output carries it), closed by <see cref="Stop"/>. Without a listener, <see cref="Add"/> is one check.
/// </summary>
public sealed class ConsumerBatchSpan(ActivitySource source, string topic, string consumerGroup, int maxLinks = 64)
{
    private readonly string name = "process " + topic;
    private Activity? activity;
    private int records;
    private int links;
    private byte[]? lastTraceParent;

    /// <summary>The open span when it records data (sampled), else null.</summary>
    public Activity? Recording => activity is { IsAllDataRequested: true } ? activity : null;

    /// <summary>Counts a consumed record into the batch, opening the span if needed, and links its producer's context.</summary>
    public void Add(Headers? headers)
    {
        if (activity is null && Start() is null)
        {
            return;
        }

        records++;
        if (links < maxLinks && activity!.IsAllDataRequested && TraceHeaders.TryGetTraceParent(headers, out var traceParent)
            && (lastTraceParent is null || !traceParent.AsSpan().SequenceEqual(lastTraceParent))
            && TraceHeaders.TryExtract(headers, out var context))
        {
            // Records of one request arrive together: comparing with the previous one skips most repeats.
            lastTraceParent = traceParent;
            activity.AddLink(new ActivityLink(context));
            links++;
        }
    }

    /// <summary>Links another context (e.g. an earlier batch whose counts are emitted now), within the bound.</summary>
    public void Link(ActivityContext context)
    {
        if (links < maxLinks && Recording is { } span && context != span.Context)
        {
            span.AddLink(new ActivityLink(context));
            links++;
        }
    }

    /// <summary>Opens the span (if anyone listens) before output that no record of this batch caused, e.g. closed windows.</summary>
    public Activity? Start()
    {
        if (activity is not null || !source.HasListeners())
        {
            return activity;
        }

        // A new trace per batch: its records belong to many traces, which the links name.
        var previous = Activity.Current;
        Activity.Current = null;
        activity = source.StartActivity(name, ActivityKind.Consumer, parentContext: default);
        if (activity is null)
        {
            Activity.Current = previous;
            return null;
        }

        if (activity.IsAllDataRequested)
        {
            activity.SetTag(KafkaTelemetry.MessagingSystem, "kafka");
            activity.SetTag(KafkaTelemetry.MessagingOperationType, "process");
            activity.SetTag(KafkaTelemetry.MessagingDestination, topic);
            activity.SetTag(KafkaTelemetry.MessagingConsumerGroup, consumerGroup);
        }

        return activity;
    }

    /// <summary>Closes the batch's span (with its record count and <paramref name="error"/> if it failed).</summary>
    public void Stop(Exception? error = null)
    {
        if (activity is null)
        {
            return;
        }

        if (activity.IsAllDataRequested)
        {
            activity.SetTag(KafkaTelemetry.MessagingBatchCount, records);
            if (error is not null)
            {
                activity.SetStatus(ActivityStatusCode.Error, error.Message);
                activity.SetTag("error.type", error.GetType().FullName);
            }
        }

        activity.Dispose(); // Stops it and makes its parent (none) current again.
        activity = null;
        Activity.Current = null;
        (records, links, lastTraceParent) = (0, 0, null);
    }
}
