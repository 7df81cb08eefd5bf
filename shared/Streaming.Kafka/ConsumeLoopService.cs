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
/// </summary>
public abstract partial class ConsumeLoopService(ILogger logger, IHostApplicationLifetime lifetime) : BackgroundService
{
    private static readonly TimeSpan DefaultPollTimeout = TimeSpan.FromMilliseconds(100);
    private readonly List<IDisposable> ownedResources = [];

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
                    Handle(consumer, record);
                    if (now != lastTick || !TickWhileReadingAtMostPerMillisecond)
                    {
                        Tick(consumer);
                        lastTick = now;
                    }
                }
                else
                {
                    Idle(consumer);
                    Tick(consumer);
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
        catch (Exception ex) when (ex is KafkaException or InvalidOperationException)
        {
            LogFatal(logger, ex);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
        finally
        {
            consumer.Close();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming {Topics}")]
    private static partial void LogStarted(ILogger logger, string topics);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consume error (will retry): {Reason}")]
    private static partial void LogConsumeError(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Consumer loop stopped on a fatal error")]
    private static partial void LogFatal(ILogger logger, Exception ex);
}
