using System.Diagnostics;
using Confluent.Kafka;
using Streaming.Kafka.Telemetry;

namespace Streaming.Kafka;

/// <summary>
/// The one way the fleet writes records (key, value, headers), shared by every service: a header that every record
/// must carry is added here once: the W3C trace context of the current activity (<c>traceparent</c>, <c>tracestate</c>),
/// when there is a sampled one, so that consumers can link their spans to the producer's. It also counts the records sent per
/// topic for its stage (<see cref="StageCounters"/>). Sends wait while the client's local queue is full instead of failing, so a stage
/// that reads faster than the brokers acknowledge slows down to their pace. Deliveries are tracked: call
/// <see cref="FlushAndThrowIfFailed"/> before committing input whose output must be complete.
/// </summary>
public sealed class RecordProducer : IDisposable
{
    private readonly IProducer<string, byte[]> producer;
    private readonly Action<DeliveryReport<string, byte[]>> onDelivery;
    private int failures;
    private string? firstError;
    private DestinationCount? lastDestination;
    private TraceFields? lastTrace;

    /// <param name="stage">Names the stage in <c>streaming.stage.records.out</c>; none: not counted.</param>
    internal RecordProducer(IProducer<string, byte[]> producer, string? stage = null)
    {
        this.producer = producer;
        Counters = stage is null ? null : StageCounters.For(stage);
        onDelivery = report =>
        {
            if (report.Error.IsError && Interlocked.Increment(ref failures) == 1)
            {
                firstError = $"{report.Error.Code}: {report.Error.Reason} (topic {report.Topic})";
            }
        };
    }

    /// <summary>The counters of the stage this producer writes for, if it has one.</summary>
    public StageCounters? Counters { get; }

    /// <summary>Sends a record to <paramref name="topic"/> (a physical name, prefix applied); the partitioner picks the partition from the key.</summary>
    public void Send(string topic, string? key, byte[] value, Headers? headers = null, DateTimeOffset? timestamp = null) =>
        Send(new TopicPartition(topic, Partition.Any), key, value, headers, timestamp);

    /// <summary>Sends a record to one partition. Trace headers are added to <paramref name="headers"/> (or to new ones).</summary>
    public void Send(TopicPartition destination, string? key, byte[] value, Headers? headers = null, DateTimeOffset? timestamp = null)
    {
        var message = Message(key, value, headers, timestamp);
        Count(destination.Topic);
        while (true)
        {
            try
            {
                producer.Produce(destination, message, onDelivery);
                return;
            }
            catch (ProduceException<string, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(100));
            }
        }
    }

    /// <summary>Sends a record and completes when Kafka acknowledged it (throws <see cref="ProduceException{TKey, TValue}"/> otherwise).</summary>
    public Task SendAndAcknowledgeAsync(string topic, string? key, byte[] value, DateTimeOffset? timestamp, CancellationToken cancellationToken)
    {
        Count(topic);
        return producer.ProduceAsync(topic, Message(key, value, headers: null, timestamp), cancellationToken);
    }

    /// <summary>
    /// Waits for every record sent so far; throws if any was not delivered (after the client's own retries), so the
    /// caller stops and resumes from its last checkpoint or commit instead of committing past lost output.
    /// </summary>
    public void FlushAndThrowIfFailed(TimeSpan timeout)
    {
        var pending = producer.Flush(timeout);
        if (pending > 0)
        {
            throw new UndeliveredOutputException($"{pending} records still undelivered after {timeout.TotalSeconds:0} s; stopping before committing.");
        }

        if (Volatile.Read(ref failures) > 0)
        {
            throw new UndeliveredOutputException($"{failures} records were not delivered, first: {firstError}; stopping before committing.");
        }
    }

    public void Dispose()
    {
        producer.Flush(TimeSpan.FromSeconds(10));
        producer.Dispose();
    }

    private Message<string, byte[]> Message(string? key, byte[] value, Headers? headers, DateTimeOffset? timestamp)
    {
        // Only a sampled (recorded) span is worth linking to; ASP.NET Core starts activities even without a tracer.
        if (Activity.Current is { Recorded: true } activity)
        {
            headers ??= [];
            foreach (var (name, field) in TraceFieldsOf(activity))
            {
                headers.Add(name, field);
            }
        }

        return new()
        {
            Key = key!,
            Value = value,
            Headers = headers,
            Timestamp = timestamp is { } at ? new Timestamp(at) : default,
        };
    }

    /// <summary>The encoded context of <paramref name="activity"/>: encoded once for all the records sent under it.</summary>
    private IReadOnlyList<(string Key, byte[] Value)> TraceFieldsOf(Activity activity)
    {
        var cached = Volatile.Read(ref lastTrace);
        if (cached is null || !ReferenceEquals(cached.Activity, activity))
        {
            cached = new TraceFields(activity, TraceHeaders.Encode(activity));
            Volatile.Write(ref lastTrace, cached);
        }

        return cached.Fields;
    }

    private void Count(string topic)
    {
        if (Counters is null)
        {
            return;
        }

        // Stages write to one or two topics: the last one's counter is almost always the one.
        var last = Volatile.Read(ref lastDestination);
        if (last is null || !ReferenceEquals(last.Topic, topic) && last.Topic != topic)
        {
            last = new DestinationCount(topic, Counters.Output(topic));
            Volatile.Write(ref lastDestination, last);
        }

        last.Counter.Increment();
    }

    private sealed record DestinationCount(string Topic, StageCounters.Counter Counter);

    private sealed record TraceFields(Activity Activity, IReadOnlyList<(string Key, byte[] Value)> Fields);
}

/// <summary>
/// Output sent before a commit was not delivered: the stage must not commit, and resumes from its last commit or
/// checkpoint (the consume loop ends; the process restarts). An <see cref="InvalidOperationException"/> as before.
/// </summary>
public sealed class UndeliveredOutputException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
