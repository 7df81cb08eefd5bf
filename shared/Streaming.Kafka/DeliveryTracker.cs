using Confluent.Kafka;

namespace Streaming.Kafka;

/// <summary>
/// Watches delivery reports of a producer whose output must be complete before input is committed.
/// A failed delivery (after the client's own retries) makes <see cref="ThrowIfFailed"/> stop the stage, so it resumes
/// from its last checkpoint or commit instead of committing past lost output.
/// </summary>
public sealed class DeliveryTracker
{
    private int failures;
    private string? firstError;

    public DeliveryTracker() => Handler = report =>
    {
        if (report.Error.IsError && Interlocked.Increment(ref failures) == 1)
        {
            firstError = $"{report.Error.Code}: {report.Error.Reason} (topic {report.Topic})";
        }
    };

    public Action<DeliveryReport<string, byte[]>> Handler { get; }

    /// <summary>Call after Flush and before committing anything that depends on the deliveries.</summary>
    public void ThrowIfFailed(IProducer<string, byte[]> producer, TimeSpan flushTimeout)
    {
        var pending = producer.Flush(flushTimeout);
        if (pending > 0)
        {
            throw new InvalidOperationException($"{pending} records still undelivered after {flushTimeout.TotalSeconds:0} s; stopping before committing.");
        }

        if (Volatile.Read(ref failures) > 0)
        {
            throw new InvalidOperationException($"{failures} records were not delivered, first: {firstError}; stopping before committing.");
        }
    }
}
