using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Streaming.Kafka.Telemetry;

namespace Streaming.Kafka;

/// <summary>
/// A Kafka consumer as a hosted service: a blocking Consume loop on its own thread, a tick for time-driven work
/// (closing windows, flushing batches), fatal errors end the loop and the process, Close() on shutdown. It counts the
/// records it reads (<see cref="StageCounters"/>, the stage named by its consumer group) and samples its lag
/// (<c>streaming.consumer.lag</c>) every few seconds on the same thread.
/// <para>
/// Poison isolation, for a stage with a <see cref="DeadLetters"/> writer (without one, any exception from the stage's
/// methods ends the loop with exit code 1): an exception from <see cref="Handle"/> is classified (<see cref="Classify"/>).
/// A deterministic one dead-letters that record (reason: exception type and message), calls <see cref="Skipped"/> and
/// goes on with the next record. A transient one seeks the partition back to the record and waits (<see cref="RetryDelay"/>,
/// bounded) before reading it again. An unknown one is retried as transient until the same record failed
/// <see cref="PoisonAfterFailures"/> times in a row, then it is poison (dead-lettered). A fatal one, and any exception
/// from <see cref="Tick"/>, <see cref="Idle"/> or <see cref="Stopping"/> that is not transient, ends the loop and stops
/// the process with exit code 1 (it resumes from its last commit or checkpoint); a transient one waits and goes on.
/// </para>
/// </summary>
public abstract partial class ConsumeLoopService(ILogger logger, IHostApplicationLifetime lifetime) : BackgroundService
{
    private static readonly TimeSpan DefaultPollTimeout = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);
    private readonly List<IDisposable> ownedResources = [];

    /// <summary>Per partition, the offset of the record that last failed and how many times in a row it failed.</summary>
    private readonly Dictionary<TopicPartition, (long Offset, int Failures)> failing = [];
    private int transientInARow;
    private bool faulted;

    protected abstract IConsumer<string, byte[]> CreateConsumer();

    protected abstract IReadOnlyCollection<string> InputTopics { get; }

    /// <summary>The consumer group: it names the stage in metrics and traces.</summary>
    protected abstract string ConsumerGroup { get; }

    /// <summary>Disposes <paramref name="resource"/> (e.g. the stage's producer, which flushes) with the service.</summary>
    protected T DisposeWithService<T>(T resource)
        where T : IDisposable
    {
        ownedResources.Add(resource);
        return resource;
    }

    public override void Dispose()
    {
        foreach (var resource in ownedResources)
        {
            resource.Dispose();
        }

        base.Dispose();
    }

    /// <summary>
    /// How long a poll waits for a record before <see cref="Idle"/> and <see cref="Tick"/> run (100 ms): a stage that holds
    /// a batch until its input is quiet may ask for less while it holds one.
    /// </summary>
    protected virtual TimeSpan PollTimeout => DefaultPollTimeout;

    /// <summary>True between <see cref="PauseInput"/> and <see cref="ResumeInput"/>.</summary>
    protected bool InputPaused { get; private set; }

    /// <summary>Handles one record. The implementation decides when offsets are committed.</summary>
    protected abstract void Handle(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record);

    /// <summary>Called when a poll brought no record: the input has nothing more for now.</summary>
    protected virtual void Idle(IConsumer<string, byte[]> consumer) { }

    /// <summary>Called after every poll, with or without a record (see <see cref="TickWhileReadingAtMostPerMillisecond"/>).</summary>
    protected virtual void Tick(IConsumer<string, byte[]> consumer) { }

    /// <summary>
    /// While records keep coming, <see cref="Tick"/> only when the millisecond clock moved on (it still follows every
    /// poll that brought nothing): for stages whose ticks read the clock for work due every so many seconds, a clock read
    /// per record is a measurable share of their CPU.
    /// </summary>
    protected virtual bool TickWhileReadingAtMostPerMillisecond => false;

    /// <summary>Called once before Close() so the last work can be flushed and committed.</summary>
    protected virtual void Stopping(IConsumer<string, byte[]> consumer) { }

    /// <summary>
    /// Where <see cref="Handle"/>'s poison goes. Isolation is on only for a stage that has one: without it, any exception
    /// from <see cref="Handle"/> ends the loop (exit code 1), as it did before isolation.
    /// </summary>
    protected virtual DeadLetterWriter? DeadLetters => null;

    /// <summary>How many times in a row a record may fail with an <see cref="FailureKind.Unknown"/> exception before it is poison.</summary>
    protected virtual int PoisonAfterFailures => DeadLetters?.PoisonAfterFailures ?? 3;

    /// <summary>What an exception from handling a record means; a stage may know more (e.g. its database's answers).</summary>
    protected virtual FailureKind Classify(Exception exception) => ConsumeFailures.Classify(exception);

    /// <summary>
    /// False for a stage whose state a half-handled record may have changed (it remembered output as sent before the send
    /// failed): a transient failure then ends the loop, and the stage resumes from its last commit or checkpoint, as
    /// before isolation. An unwritten dead letter is still retried in place (the record changed nothing).
    /// </summary>
    protected virtual bool RetriesInPlace => true;

    /// <summary>How long to wait before reading a record again after its <paramref name="failures"/>th transient failure in a row.</summary>
    protected virtual TimeSpan RetryDelay(int failures) =>
        TimeSpan.FromMilliseconds(Math.Min(MaxRetryDelay.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(failures - 1, 10))));

    /// <summary>
    /// Called after the loop dead-lettered <paramref name="record"/> (its handling threw a deterministic exception, or it
    /// is poison): a stage that tracks handled offsets counts it as handled here.
    /// </summary>
    protected virtual void Skipped(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record) { }

    /// <summary>Stops fetching every assigned partition (the lag sampler then asks the broker for the partitions' ends).</summary>
    protected void PauseInput(IConsumer<string, byte[]> consumer)
    {
        consumer.Pause(consumer.Assignment);
        InputPaused = true;
    }

    protected void ResumeInput(IConsumer<string, byte[]> consumer)
    {
        consumer.Resume(consumer.Assignment);
        InputPaused = false;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        using var consumer = CreateConsumer();
        using var lag = new ConsumerLag(ConsumerGroup);
        var counters = StageCounters.For(ConsumerGroup);
        var onlyTopic = InputTopics.Count == 1 ? InputTopics.First() : null; // records may come without their topic's name
        var nextLagSample = Environment.TickCount64 + 1000;
        var lastTick = long.MinValue;
        consumer.Subscribe(InputTopics);
        LogStarted(logger, string.Join(",", InputTopics));
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                ConsumeResult<string, byte[]>? record = null;
                try
                {
                    record = consumer.Consume(PollTimeout);
                }
                catch (ConsumeException ex) when (!ex.Error.IsFatal)
                {
                    LogConsumeError(logger, ex.Error.Reason);
                }

                var now = Environment.TickCount64;
                if (record is not null && !record.IsPartitionEOF)
                {
                    counters.RecordIn(record.Topic ?? onlyTopic ?? string.Empty);
                    HandleIsolated(consumer, record, onlyTopic, stoppingToken);
                    if (now != lastTick || !TickWhileReadingAtMostPerMillisecond)
                    {
                        Timed(consumer, idle: false, stoppingToken);
                        lastTick = now;
                    }
                }
                else
                {
                    Timed(consumer, idle: true, stoppingToken);
                    lastTick = now;
                }

                if (now >= nextLagSample)
                {
                    lag.Sample(consumer, InputPaused);
                    nextLagSample = Environment.TickCount64 + (long)ConsumerLag.Interval.TotalMilliseconds;
                }
            }

            Stopping(consumer);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shut down while waiting.
        }
        catch (Exception ex)
        {
            LogFatal(logger, ex);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
            // Close() would run the revoke handlers, which store and commit progress that may include the record that
            // failed; disposing leaves the group without committing, so the next owner resumes from the last commit.
            faulted = true;
        }
        finally
        {
            if (!faulted)
            {
                consumer.Close();
            }
        }
    }

    /// <summary>Handles one record; an exception is classified (see the class) and never leaves unless fatal.</summary>
    private void HandleIsolated(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record, string? onlyTopic, CancellationToken stoppingToken)
    {
        try
        {
            Handle(consumer, record);
            transientInARow = 0;
            if (failing.Count > 0)
            {
                failing.Remove(new TopicPartition(record.Topic ?? onlyTopic ?? string.Empty, record.Partition));
            }

            return;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (DeadLetters is not null)
        {
            var partition = new TopicPartition(record.Topic ?? onlyTopic ?? string.Empty, record.Partition);
            var kind = KindOf(ex);
            var failures = failing.TryGetValue(partition, out var last) && last.Offset == record.Offset.Value ? last.Failures + 1 : 1;
            switch (kind)
            {
                case FailureKind.Fatal:
                    throw;
                case FailureKind.Deterministic:
                    Isolate(consumer, record, partition, ConsumeFailures.ReasonOf(ex), DeadLetterReasons.Exception, stoppingToken);
                    return;
                case FailureKind.Unknown when failures >= PoisonAfterFailures:
                    Isolate(consumer, record, partition, $"failed {failures} times in a row: {ConsumeFailures.ReasonOf(ex)}", DeadLetterReasons.RepeatedFailure, stoppingToken);
                    return;
                case FailureKind.Unknown:
                    failing[partition] = (record.Offset.Value, failures);
                    break;
            }

            LogRetrying(logger, partition.Topic, partition.Partition.Value, record.Offset.Value, kind, ex);
            Retry(consumer, new TopicPartitionOffset(partition, record.Offset), stoppingToken);
        }
    }

    private void Isolate(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record, TopicPartition partition, string reason, string reasonClass, CancellationToken stoppingToken)
    {
        try
        {
            DeadLetters!.Write(partition.Topic, partition.Partition.Value, record.Offset.Value, record.Message?.Key, record.Message?.Value, reason, reasonClass);
        }
        catch (DeadLetterNotWrittenException) when (RetriesInPlace)
        {
            // Not on its topic: read the record again later rather than skip it without a trace.
            Retry(consumer, new TopicPartitionOffset(partition, record.Offset), stoppingToken);
            return;
        }

        LogIsolated(logger, partition.Topic, partition.Partition.Value, record.Offset.Value, reasonClass, reason);
        failing.Remove(partition);
        transientInARow = 0; // the record is behind the loop now: the next failure is a first one
        Skipped(consumer, record);
    }

    /// <summary>
    /// A stage whose state may already count the record cannot read it again in place: a transient failure (an unwritten
    /// dead letter too) ends the loop, to resume from the last checkpoint, and an unknown one is poison at once.
    /// </summary>
    private FailureKind KindOf(Exception exception) => (Classify(exception), RetriesInPlace) switch
    {
        (FailureKind.Transient, false) => FailureKind.Fatal,
        (FailureKind.Unknown, false) => FailureKind.Deterministic,
        var (kind, _) => kind,
    };

    /// <summary>Reads the record again after a pause: the partition is sought back to it, the other partitions go on.</summary>
    private void Retry(IConsumer<string, byte[]> consumer, TopicPartitionOffset record, CancellationToken stoppingToken)
    {
        try
        {
            consumer.Seek(record);
        }
        catch (KafkaException ex) when (!ex.Error.IsFatal)
        {
            // No longer assigned: its next owner reads it from the last commit.
            LogSeekFailed(logger, record.Topic, record.Partition.Value, ex.Error.Reason);
        }

        stoppingToken.WaitHandle.WaitOne(RetryDelay(++transientInARow));
    }

    /// <summary>Time-driven work: a transient failure is logged and retried at the next poll after a pause; others end the loop.</summary>
    private void Timed(IConsumer<string, byte[]> consumer, bool idle, CancellationToken stoppingToken)
    {
        try
        {
            if (idle)
            {
                Idle(consumer);
            }

            Tick(consumer);
        }
        catch (Exception ex) when (DeadLetters is not null && !stoppingToken.IsCancellationRequested && KindOf(ex) == FailureKind.Transient)
        {
            LogTickFailed(logger, ex);
            stoppingToken.WaitHandle.WaitOne(RetryDelay(++transientInARow));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handling {Topic}/{Partition}@{Offset} failed ({Kind}); reading it again after a pause")]
    private static partial void LogRetrying(ILogger logger, string topic, int partition, long offset, FailureKind kind, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead-lettered {Topic}/{Partition}@{Offset} ({Class}) and went on: {Reason}")]
    private static partial void LogIsolated(ILogger logger, string topic, int partition, long offset, string @class, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Seeking {Topic}/{Partition} back failed: {Reason}")]
    private static partial void LogSeekFailed(ILogger logger, string topic, int partition, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Time-driven work failed (transient); trying again after a pause")]
    private static partial void LogTickFailed(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming {Topics}")]
    private static partial void LogStarted(ILogger logger, string topics);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consume error (will retry): {Reason}")]
    private static partial void LogConsumeError(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Consumer loop stopped on a fatal error")]
    private static partial void LogFatal(ILogger logger, Exception ex);
}
