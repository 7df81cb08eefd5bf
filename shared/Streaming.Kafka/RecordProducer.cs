using Confluent.Kafka;

namespace Streaming.Kafka;

/// <summary>
/// The one way the fleet writes records (key, value, headers), shared by every service: a header that every record
/// must carry is added here once. Sends wait while the client's local queue is full instead of failing, so a stage
/// that reads faster than the brokers acknowledge slows down to their pace. Deliveries are tracked: call
/// <see cref="FlushAndThrowIfFailed"/> before committing input whose output must be complete.
/// </summary>
public sealed class RecordProducer : IDisposable
{
    private readonly IProducer<string, byte[]> producer;
    private readonly Action<DeliveryReport<string, byte[]>> onDelivery;
    private int failures;
    private string? firstError;

    internal RecordProducer(IProducer<string, byte[]> producer)
    {
        this.producer = producer;
        onDelivery = report =>
        {
            if (report.Error.IsError && Interlocked.Increment(ref failures) == 1)
            {
                firstError = $"{report.Error.Code}: {report.Error.Reason} (topic {report.Topic})";
            }
        };
    }

    /// <summary>Sends a record to <paramref name="topic"/> (a physical name, prefix applied); the partitioner picks the partition from the key.</summary>
    public void Send(string topic, string? key, byte[] value, Headers? headers = null, DateTimeOffset? timestamp = null) =>
        Send(new TopicPartition(topic, Partition.Any), key, value, headers, timestamp);

    /// <summary>Sends a record to one partition.</summary>
    public void Send(TopicPartition destination, string? key, byte[] value, Headers? headers = null, DateTimeOffset? timestamp = null)
    {
        var message = Message(key, value, headers, timestamp);
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
    public Task SendAndAcknowledgeAsync(string topic, string? key, byte[] value, DateTimeOffset? timestamp, CancellationToken cancellationToken) =>
        producer.ProduceAsync(topic, Message(key, value, headers: null, timestamp), cancellationToken);

    /// <summary>
    /// Waits for every record sent so far; throws if any was not delivered (after the client's own retries), so the
    /// caller stops and resumes from its last checkpoint or commit instead of committing past lost output.
    /// </summary>
    public void FlushAndThrowIfFailed(TimeSpan timeout)
    {
        var pending = producer.Flush(timeout);
        if (pending > 0)
        {
            throw new InvalidOperationException($"{pending} records still undelivered after {timeout.TotalSeconds:0} s; stopping before committing.");
        }

        if (Volatile.Read(ref failures) > 0)
        {
            throw new InvalidOperationException($"{failures} records were not delivered, first: {firstError}; stopping before committing.");
        }
    }

    public void Dispose()
    {
        producer.Flush(TimeSpan.FromSeconds(10));
        producer.Dispose();
    }

    private static Message<string, byte[]> Message(string? key, byte[] value, Headers? headers, DateTimeOffset? timestamp) => new()
    {
        Key = key!,
        Value = value,
        Headers = headers,
        Timestamp = timestamp is { } at ? new Timestamp(at) : default,
    };
}
