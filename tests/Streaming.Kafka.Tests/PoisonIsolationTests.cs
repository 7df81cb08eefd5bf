using System.Net;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Streaming.Kafka.Tests;

/// <summary>
/// The consume loop's poison isolation against a fake consumer of five records (offsets 0 to 4) and a real local
/// Kafka for the dead letters: a record whose handling throws is dead-lettered or read again, and the others are
/// handled exactly once, in order.
/// </summary>
[Collection(LocalKafkaCollection.Name)]
public sealed class PoisonIsolationTests(LocalKafka kafka)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_deterministic_failure_dead_letters_that_record_and_the_others_are_handled_once()
    {
        var run = await RunAsync(offset => offset == 2 ? throw new FormatException("'x' is not a number") : null);

        Assert.Equal([0L, 1, 2, 3, 4], run.Attempts);
        Assert.Equal([0L, 1, 3, 4], run.Handled);
        Assert.Equal([2L], run.Skipped);
        Assert.Empty(run.Consumer.Seeks);
        Assert.False(run.Lifetime.Stopped);
        var letter = Assert.Single(run.Letters);
        Assert.Equal(("loop-test", 2L, DeadLetterReasons.Exception), (letter.Source, letter.Offset, letter.ReasonClass));
        Assert.Equal("FormatException: 'x' is not a number", letter.Reason);
        Assert.Equal(run.Consumer.Partition.Topic, letter.Topic);
        Assert.Equal("record 2", Encoding.UTF8.GetString(Convert.FromBase64String(letter.Payload)));
    }

    [Fact]
    public async Task A_transient_failure_reads_the_record_again_until_it_succeeds()
    {
        var failures = 0;
        var run = await RunAsync(offset => offset == 3 && failures++ < 4 ? throw new HttpRequestException("down", null, HttpStatusCode.ServiceUnavailable) : null);

        Assert.Equal([0L, 1, 2, 3, 3, 3, 3, 3, 4], run.Attempts);
        Assert.Equal([0L, 1, 2, 3, 4], run.Handled);
        Assert.Equal([3L, 3, 3, 3], run.Consumer.Seeks);
        Assert.Empty(run.Skipped);
        Assert.Empty(run.Letters);
    }

    [Fact]
    public async Task An_unknown_failure_makes_a_record_poison_after_the_configured_failures_in_a_row()
    {
        var run = await RunAsync(offset => offset == 1 ? throw new UnclassifiedException() : null, poisonAfter: 4);

        Assert.Equal([0L, 1, 1, 1, 1, 2, 3, 4], run.Attempts);
        Assert.Equal([0L, 2, 3, 4], run.Handled);
        Assert.Equal([1L, 1, 1], run.Consumer.Seeks);
        var letter = Assert.Single(run.Letters);
        Assert.Equal((1L, DeadLetterReasons.RepeatedFailure), (letter.Offset, letter.ReasonClass));
        Assert.StartsWith("failed 4 times in a row: UnclassifiedException", letter.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_failure_that_goes_away_is_not_poison()
    {
        var failures = 0;
        var run = await RunAsync(offset => offset == 4 && failures++ < 2 ? throw new UnclassifiedException() : null);

        Assert.Equal([0L, 1, 2, 3, 4], run.Handled);
        Assert.Equal([4L, 4], run.Consumer.Seeks);
        Assert.Empty(run.Letters);
    }

    [Fact]
    public async Task A_dead_lettered_record_ends_the_run_of_failures_so_the_next_transient_one_waits_the_first_delay()
    {
        var failures = 0;
        var run = await RunAsync(offset => offset switch
        {
            1 => throw new UnclassifiedException(),
            2 when failures++ == 0 => throw new TimeoutException("down"),
            _ => null,
        });

        Assert.Equal([0L, 2, 3, 4], run.Handled);
        Assert.Equal([1L], run.Skipped);
        // Record 1 waited after its first and second failures (the third dead-lettered it); record 2's failure, next, is a first one.
        Assert.Equal([1, 2, 1], run.Delays);
    }

    [Fact]
    public async Task A_fatal_failure_ends_the_loop_and_stops_the_process()
    {
        var exitCode = Environment.ExitCode;
        try
        {
            var run = await RunAsync(offset => offset == 1 ? throw new KafkaException(new Error(ErrorCode.Local_Fatal, "fenced", isFatal: true)) : null, waitForAll: false);
            await run.Lifetime.StoppedTask.WaitAsync(Timeout);
            Assert.Equal(1, Environment.ExitCode);
            Assert.Equal([0L], run.Handled);
        }
        finally
        {
            Environment.ExitCode = exitCode;
        }
    }

    [Theory]
    [InlineData(typeof(JsonException), FailureKind.Deterministic)]
    [InlineData(typeof(InvalidOperationException), FailureKind.Deterministic)]
    [InlineData(typeof(DecoderFallbackException), FailureKind.Deterministic)]
    [InlineData(typeof(OverflowException), FailureKind.Deterministic)]
    [InlineData(typeof(IndexOutOfRangeException), FailureKind.Deterministic)]
    [InlineData(typeof(ArgumentException), FailureKind.Deterministic)]
    [InlineData(typeof(TimeoutException), FailureKind.Transient)]
    [InlineData(typeof(IOException), FailureKind.Transient)]
    [InlineData(typeof(OperationCanceledException), FailureKind.Transient)]
    [InlineData(typeof(System.Net.Sockets.SocketException), FailureKind.Transient)]
    [InlineData(typeof(UnclassifiedException), FailureKind.Unknown)]
    public void Exceptions_are_classified_by_type(Type type, FailureKind kind) =>
        Assert.Equal(kind, ConsumeFailures.Classify((Exception)Activator.CreateInstance(type)!));

    [Fact]
    public void Kafka_and_HTTP_failures_are_classified_by_what_they_say()
    {
        Assert.Equal(FailureKind.Transient, ConsumeFailures.Classify(new KafkaException(ErrorCode.Local_Transport)));
        Assert.Equal(FailureKind.Fatal, ConsumeFailures.Classify(new KafkaException(new Error(ErrorCode.Local_Fatal, "x", isFatal: true))));
        Assert.Equal(FailureKind.Fatal, ConsumeFailures.Classify(new UndeliveredOutputException("1 record was not delivered")));
        Assert.Equal(FailureKind.Transient, ConsumeFailures.Classify(new HttpRequestException("refused")));
        Assert.Equal(FailureKind.Transient, ConsumeFailures.Classify(new HttpRequestException("x", null, HttpStatusCode.BadGateway)));
        Assert.Equal(FailureKind.Transient, ConsumeFailures.Classify(new HttpRequestException("x", null, HttpStatusCode.TooManyRequests)));
        Assert.Equal(FailureKind.Unknown, ConsumeFailures.Classify(new HttpRequestException("x", null, HttpStatusCode.Forbidden)));
        Assert.Equal(FailureKind.Transient, ConsumeFailures.Classify(new DeadLetterNotWrittenException("x", new KafkaException(ErrorCode.Local_Transport))));
        Assert.Equal(FailureKind.Deterministic, ConsumeFailures.Classify(new AggregateException(new FormatException())));
        // A record too large to send again fails however often it is tried; a client disposed under the loop is shutdown.
        Assert.Equal(FailureKind.Deterministic, ConsumeFailures.Classify(new KafkaException(ErrorCode.MsgSizeTooLarge)));
        Assert.Equal(FailureKind.Fatal, ConsumeFailures.Classify(new ObjectDisposedException("consumer")));
        // Something unavailable wrapped by the code that met it, or one of several failures.
        Assert.Equal(FailureKind.Transient, ConsumeFailures.Classify(new InvalidOperationException("wrapped", new TimeoutException())));
        Assert.Equal(FailureKind.Transient, ConsumeFailures.Classify(new AggregateException(new FormatException(), new IOException())));
    }

    [Fact]
    public async Task A_stage_that_does_not_retry_in_place_ends_on_a_transient_failure_but_still_dead_letters_data()
    {
        var exitCode = Environment.ExitCode;
        try
        {
            var run = await RunAsync(offset => offset switch
            {
                1 => throw new ArgumentException("bad key"),
                3 => throw new TimeoutException("silo"),
                _ => null,
            }, waitForAll: false, retriesInPlace: false);
            await run.Lifetime.StoppedTask.WaitAsync(Timeout);
            Assert.Equal([0L, 2], run.Handled);
            Assert.Equal([1L], run.Skipped);
            Assert.Empty(run.Consumer.Seeks);
        }
        finally
        {
            Environment.ExitCode = exitCode;
        }
    }

    private async Task<Run> RunAsync(Func<long, object?> handle, int poisonAfter = 3, bool waitForAll = true, bool retriesInPlace = true)
    {
        var clients = kafka.CreateClients(Topics.DeadLetter);
        clients.Options.PoisonAfterFailures = poisonAfter;
        var consumer = new FakeConsumer(clients.Options.Name(Topics.Events), [.. Enumerable.Range(0, 5).Select(i => Encoding.UTF8.GetBytes($"record {i}"))]);
        var lifetime = new FakeLifetime();
        var producer = clients.CreateProducer("loop-test");
        var run = new Run(consumer, lifetime);
        using (var loop = new TestLoop(consumer, new DeadLetterWriter(producer, clients.Options, "loop-test", TimeProvider.System), lifetime, run, handle, retriesInPlace))
        {
            await loop.StartAsync(CancellationToken.None);
            await (waitForAll ? consumer.Drained : lifetime.StoppedTask).WaitAsync(Timeout);
            await loop.StopAsync(CancellationToken.None);
        }

        producer.FlushAndThrowIfFailed(Timeout);
        producer.Dispose();
        if (run.Skipped.Count > 0)
        {
            run.Letters.AddRange(LocalKafka.Read(clients, Topics.DeadLetter, run.Skipped.Count, Timeout)
                .Select(r => JsonSerializer.Deserialize(r.Message.Value, DeadLetterJsonContext.Default.DeadLetter)!));
        }

        return run;
    }

    private sealed record Run(FakeConsumer Consumer, FakeLifetime Lifetime)
    {
        public List<long> Attempts { get; } = [];

        public List<long> Handled { get; } = [];

        public List<long> Skipped { get; } = [];

        public List<DeadLetter> Letters { get; } = [];

        /// <summary>The failures in a row each pause was asked for (<see cref="ConsumeLoopService.RetryDelay"/>).</summary>
        public List<int> Delays { get; } = [];
    }

    private sealed class TestLoop(FakeConsumer consumer, DeadLetterWriter letters, FakeLifetime lifetime, Run run, Func<long, object?> handle, bool retriesInPlace)
        : ConsumeLoopService(NullLogger.Instance, lifetime)
    {
        protected override bool RetriesInPlace => retriesInPlace;

        protected override IReadOnlyCollection<string> InputTopics => [consumer.Partition.Topic];

        protected override string ConsumerGroup => "loop-test";

        protected override DeadLetterWriter DeadLetters => letters;

        protected override IConsumer<string, byte[]> CreateConsumer() => consumer;

        protected override TimeSpan RetryDelay(int failures)
        {
            run.Delays.Add(failures);
            return TimeSpan.Zero;
        }

        protected override void Handle(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record)
        {
            run.Attempts.Add(record.Offset.Value);
            handle(record.Offset.Value);
            run.Handled.Add(record.Offset.Value);
        }

        protected override void Skipped(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record) => run.Skipped.Add(record.Offset.Value);
    }

    private sealed class FakeLifetime : IHostApplicationLifetime
    {
        private readonly TaskCompletionSource stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Stopped => stopped.Task.IsCompleted;

        public Task StoppedTask => stopped.Task;

        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => stopped.TrySetResult();
    }

    private sealed class UnclassifiedException : Exception;
}
