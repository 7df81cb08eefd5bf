using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Streaming.Kafka;

/// <summary>
/// A Kafka consumer as a hosted service: a blocking Consume loop on its own thread, a tick for time-driven work
/// (closing windows, flushing batches), fatal errors end the loop and the process, Close() on shutdown.
/// </summary>
public abstract partial class ConsumeLoopService(ILogger logger, IHostApplicationLifetime lifetime) : BackgroundService
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);

    protected abstract IConsumer<string, byte[]> CreateConsumer();

    protected abstract IReadOnlyCollection<string> InputTopics { get; }

    /// <summary>Handles one record. The implementation decides when offsets are committed.</summary>
    protected abstract void Handle(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record);

    /// <summary>Called when a poll brought no record: the input has nothing more for now.</summary>
    protected virtual void Idle(IConsumer<string, byte[]> consumer) { }

    /// <summary>Called after every poll, with or without a record.</summary>
    protected virtual void Tick(IConsumer<string, byte[]> consumer) { }

    /// <summary>Called once before Close() so the last work can be flushed and committed.</summary>
    protected virtual void Stopping(IConsumer<string, byte[]> consumer) { }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        using var consumer = CreateConsumer();
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

                if (record is not null && !record.IsPartitionEOF)
                {
                    Handle(consumer, record);
                }
                else
                {
                    Idle(consumer);
                }

                Tick(consumer);
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
