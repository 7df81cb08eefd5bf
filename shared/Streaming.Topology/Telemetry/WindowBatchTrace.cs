using System.Diagnostics;
using Confluent.Kafka;
using Streaming.Kafka.Telemetry;

namespace Streaming.Topology.Telemetry;

/// <summary>
/// The windowing stage's traces: one "process {topic}" span per checkpoint interval (the records counted since the last
/// checkpoint and the results sent meanwhile), linked to the producer contexts of its records. A window's final result
/// is sent minutes after its records were counted, by a later batch; so each batch remembers which window starts its
/// records went to, and the batch that closes a window links the batches that counted into it (a bounded number).
/// Results carry the context of the batch that sent them, so the sink's insert span links to it: ingest POST ← batch
/// that counted ← batch that closed ← ClickHouse insert. Without a listener every call is one check.
/// </summary>
internal sealed class WindowBatchTrace(string inputTopic, string consumerGroup)
{
    private const int MaxCountingBatchesPerWindow = 16;
    private const int MaxRememberedWindows = 64;
    private readonly ConsumerBatchSpan span = new(TopologyTelemetry.Source, inputTopic, consumerGroup);
    private readonly HashSet<long> startsThisBatch = [];
    private readonly SortedDictionary<long, List<ActivityContext>> countedBy = [];
    private long lastStart = long.MinValue;

    public bool IsRecording => span.Recording is not null;

    /// <summary>A consumed record joins the batch (its producer's context becomes a link).</summary>
    public void Add(Headers? headers) => span.Add(headers);

    /// <summary>The record just processed counted into the window starting at <paramref name="windowStartTicks"/>.</summary>
    public void Counted(long windowStartTicks)
    {
        if (windowStartTicks != lastStart)
        {
            lastStart = windowStartTicks;
            startsThisBatch.Add(windowStartTicks);
        }
    }

    /// <summary>The window starting at <paramref name="windowStartTicks"/> closes in this batch: link the batches that counted into it.</summary>
    public void Closing(long windowStartTicks)
    {
        if (span.Start() is not { IsAllDataRequested: true })
        {
            return;
        }

        if (countedBy.TryGetValue(windowStartTicks, out var batches))
        {
            foreach (var batch in batches)
            {
                span.Link(batch);
            }
        }
    }

    /// <summary>Opens the batch span (if anyone listens) so that output sent now carries it.</summary>
    public void EnsureStarted() => span.Start();

    /// <summary>Ends the batch at a checkpoint: remembers it for the windows its records went to, then closes its span.</summary>
    public void Stop()
    {
        if (span.Recording is { } activity)
        {
            foreach (var start in startsThisBatch)
            {
                if (!countedBy.TryGetValue(start, out var batches))
                {
                    if (countedBy.Count >= MaxRememberedWindows)
                    {
                        countedBy.Remove(countedBy.Keys.First());
                    }

                    batches = [];
                    countedBy[start] = batches;
                }

                if (batches.Count < MaxCountingBatchesPerWindow)
                {
                    batches.Add(activity.Context);
                }
            }
        }

        startsThisBatch.Clear();
        lastStart = long.MinValue;
        span.Stop();
    }
}
