using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Streaming.Kafka.Telemetry;

namespace Streaming.Kafka;

/// <summary>
/// A record that could not be processed, with the reason, on a dead-letter topic. <see cref="Source"/> is the stage.
/// Payload is base64, cut at <see cref="KafkaOptions.DeadLetterMaxPayloadBytes"/>: a cut one carries its original size
/// (<see cref="PayloadSize"/>) and the SHA-256 of the whole value (<see cref="PayloadSha256"/>, lowercase hex).
/// <see cref="ReasonClass"/> is the reason's class (<see cref="DeadLetterReasons"/>), the tag of the metric.
/// </summary>
public sealed record DeadLetter(
    string Source,
    string Reason,
    string? Key,
    string Payload,
    string Topic,
    int Partition,
    long Offset,
    DateTimeOffset At,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ReasonClass = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? PayloadSize = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PayloadSha256 = null);

/// <summary>The classes of dead-letter reasons: the <c>reason</c> tag of <c>streaming.dead_letters</c>, a small fixed set.</summary>
public static class DeadLetterReasons
{
    /// <summary>A reader or validator refused the record (unreadable bytes, a missing or invalid field).</summary>
    public const string Rejected = "rejected";

    /// <summary>Handling the record threw an exception that comes from its data (see <see cref="ConsumeFailures"/>).</summary>
    public const string Exception = "exception";

    /// <summary>Handling the record failed <see cref="KafkaOptions.PoisonAfterFailures"/> times in a row with an unclassified exception.</summary>
    public const string RepeatedFailure = "repeated_failure";

    /// <summary>The destination refused the record for good (e.g. ClickHouse cannot parse its row).</summary>
    public const string Refused = "refused";

    /// <summary>Its delivery failed for good (the push delivery worker's last attempt).</summary>
    public const string Undeliverable = "undeliverable";
}

/// <summary>Producing a dead letter failed at once (the letter is not on its topic): the record must be retried, not skipped.</summary>
public sealed class DeadLetterNotWrittenException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// The one way a stage writes unprocessable records to a dead-letter topic (<c>events.dead-letter</c> unless told
/// another), so that bad input is never dropped silently. Every letter fits a Kafka message: the payload is cut at
/// <see cref="KafkaOptions.DeadLetterMaxPayloadBytes"/>, the reason at <see cref="MaxReasonLength"/> characters and the
/// key at <see cref="MaxKeyLength"/>. Letters are counted per stage and reason class (<c>streaming.dead_letters</c>).
/// Producing never fails with the record's data; if the client refuses the letter at once (e.g. the brokers are gone
/// and its queue is broken), the failure is logged and counted (<c>streaming.dead_letters.unwritten</c>) and
/// <see cref="DeadLetterNotWrittenException"/> is thrown, which <see cref="ConsumeLoopService"/> treats as transient: the
/// record is read again after a pause, never skipped without its letter. A letter that fails later, on delivery, is
/// reported by the producer's <see cref="RecordProducer.FlushAndThrowIfFailed"/> before the stage commits past it.
/// </summary>
public sealed partial class DeadLetterWriter
{
    public const int MaxReasonLength = 2000;
    public const int MaxKeyLength = 1024;
    private readonly RecordProducer producer;
    private readonly string topic;
    private readonly string source;
    private readonly TimeProvider clock;
    private readonly int maxPayload;
    private readonly ILogger logger;
    private readonly StageCounters counters;

    /// <param name="source">The stage (its consumer group), in the letter and in the metric's <c>stage</c> tag.</param>
    /// <param name="topic">The logical dead-letter topic (prefix applied here); default <see cref="Topics.DeadLetter"/>.</param>
    public DeadLetterWriter(RecordProducer producer, KafkaOptions options, string source, TimeProvider clock, string? topic = null, ILogger? logger = null)
    {
        this.producer = producer;
        this.topic = options.Name(topic ?? Topics.DeadLetter);
        this.source = source;
        this.clock = clock;
        maxPayload = options.DeadLetterMaxPayloadBytes;
        PoisonAfterFailures = options.PoisonAfterFailures;
        this.logger = logger ?? NullLogger.Instance;
        // The stage that writes, not the producer's: stages of one process may share a producer.
        counters = StageCounters.For(source);
    }

    /// <summary>Letters handed to the producer by this writer.</summary>
    public long Written { get; private set; }

    /// <summary><see cref="KafkaOptions.PoisonAfterFailures"/>, for the consume loop that uses this writer.</summary>
    public int PoisonAfterFailures { get; }

    /// <summary>A record a reader or validator refused (<see cref="DeadLetterReasons.Rejected"/>).</summary>
    public void Write(ConsumeResult<string, byte[]> record, string reason) => Write(record, reason, DeadLetterReasons.Rejected);

    /// <summary>A consumed record, with its topic, partition and offset.</summary>
    public void Write(ConsumeResult<string, byte[]> record, string reason, string reasonClass) =>
        Write(record.Topic ?? "", record.Partition.Value, record.Offset.Value, record.Message?.Key, record.Message?.Value, reason, reasonClass);

    /// <summary>
    /// A record by its origin (topic as the consumer read it, partition, offset), key and value. Throws only
    /// <see cref="DeadLetterNotWrittenException"/> (see the class).
    /// </summary>
    public void Write(string sourceTopic, int partition, long offset, string? key, byte[]? value, string reason, string reasonClass)
    {
        var letter = Letter(source, sourceTopic, partition, offset, key, value, reason, reasonClass, clock.GetUtcNow(), maxPayload);
        try
        {
            producer.Send(topic, letter.Key, JsonSerializer.SerializeToUtf8Bytes(letter, DeadLetterJsonContext.Default.DeadLetter));
        }
        catch (KafkaException ex) when (!ex.Error.IsFatal)
        {
            counters.RecordDeadLetterUnwritten();
            LogNotWritten(logger, sourceTopic, partition, offset, ex.Error.Reason);
            throw new DeadLetterNotWrittenException($"The dead letter of {sourceTopic}/{partition}@{offset} was not written: {ex.Error.Reason}", ex);
        }

        Written++;
        counters.RecordDeadLettered(reasonClass);
        LogWritten(logger, source, sourceTopic, partition, offset, reasonClass, letter.Reason);
    }

    /// <summary>The letter of a record: payload cut at <paramref name="maxPayload"/> bytes, reason and key capped.</summary>
    public static DeadLetter Letter(
        string source, string sourceTopic, int partition, long offset, string? key, byte[]? value, string reason, string reasonClass, DateTimeOffset at, int maxPayload)
    {
        value ??= [];
        var cut = value.Length > maxPayload;
        var payload = Convert.ToBase64String(value, 0, cut ? maxPayload : value.Length);
        return new DeadLetter(source, Cap(reason, MaxReasonLength), key is null ? null : Cap(key, MaxKeyLength), payload, sourceTopic, partition, offset, at, reasonClass,
            cut ? value.Length : null, cut ? Convert.ToHexStringLower(SHA256.HashData(value)) : null);
    }

    /// <summary>At most <paramref name="length"/> characters, cut on a character boundary and marked with "…".</summary>
    private static string Cap(string text, int length)
    {
        if (text.Length <= length)
        {
            return text;
        }

        var end = length - 1;
        if (char.IsHighSurrogate(text[end - 1]))
        {
            end--;
        }

        return string.Concat(text.AsSpan(0, end), "…");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Stage}: dead-lettered {Topic}/{Partition}@{Offset} ({Class}): {Reason}")]
    private static partial void LogWritten(ILogger logger, string stage, string topic, int partition, long offset, string @class, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The dead letter of {Topic}/{Partition}@{Offset} was not written ({Reason}); the record will be read again")]
    private static partial void LogNotWritten(ILogger logger, string topic, int partition, long offset, string reason);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(DeadLetter))]
public sealed partial class DeadLetterJsonContext : JsonSerializerContext;
