using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;

namespace Streaming.Kafka;

/// <summary>What an exception from handling one record says about the record.</summary>
public enum FailureKind
{
    /// <summary>It comes from the record's data and will come again: the record is dead-lettered and skipped.</summary>
    Deterministic,

    /// <summary>A dependency is unavailable (Kafka, ClickHouse, HTTP, Redis, a silo, a timeout): the record is retried after a pause.</summary>
    Transient,

    /// <summary>Neither is known: retried as transient until it failed <see cref="KafkaOptions.PoisonAfterFailures"/> times in a row, then poison.</summary>
    Unknown,

    /// <summary>The stage cannot go on (a fatal Kafka error, output lost before a commit): the loop ends, the process exits with 1.</summary>
    Fatal,
}

/// <summary>
/// The fleet's one classification of exceptions from handling a record (<see cref="ConsumeLoopService.Classify"/>, which
/// a stage may extend). Dependencies outside this library (Redis, Orleans) are recognised by type name.
/// </summary>
public static class ConsumeFailures
{
    private static readonly HashSet<string> TransientTypeNames = new(StringComparer.Ordinal)
    {
        "StackExchange.Redis.RedisException",
        "StackExchange.Redis.RedisTimeoutException",
        "Orleans.Runtime.SiloUnavailableException",
        "Orleans.Runtime.OrleansMessageRejectionException",
        "Orleans.Runtime.ConnectionFailedException",
        "Orleans.Runtime.GatewayTooBusyException",
        "Orleans.Runtime.ClientNotAvailableException",
        "Orleans.Storage.InconsistentStateException",
    };

    public static FailureKind Classify(Exception exception) => exception switch
    {
        KafkaException { Error.IsFatal: true } or UndeliveredOutputException or OutOfMemoryException => FailureKind.Fatal,
        // A record the client cannot send on however often it tries: too large, or refused as an argument.
        KafkaException { Error.Code: ErrorCode.MsgSizeTooLarge or ErrorCode.Local_InvalidArg } => FailureKind.Deterministic,
        DeadLetterNotWrittenException or KafkaException => FailureKind.Transient,
        // A client disposed under the loop: shutting down, not the record's fault.
        ObjectDisposedException => FailureKind.Fatal,
        HttpRequestException { StatusCode: null } => FailureKind.Transient,
        HttpRequestException { StatusCode: { } status } => (int)status >= 500 || (int)status is 408 or 429 ? FailureKind.Transient : FailureKind.Unknown,
        TimeoutException or OperationCanceledException or SocketException or IOException => FailureKind.Transient,
        AggregateException { InnerExceptions: [var inner] } => Classify(inner),
        AggregateException { InnerExceptions: var inners } when inners.Any(e => Classify(e) == FailureKind.Transient) => FailureKind.Transient,
        // Something unavailable, wrapped by the code that met it (a grain call, a client).
        { InnerException: { } cause } when Classify(cause) == FailureKind.Transient => FailureKind.Transient,
        _ when IsTransientByName(exception.GetType()) => FailureKind.Transient,
        // From data: readers, parsers, conversions, a rule or key function given what it does not expect.
        JsonException or FormatException or ArgumentException or DecoderFallbackException or ArithmeticException or IndexOutOfRangeException
            or InvalidCastException or KeyNotFoundException or InvalidOperationException or NotSupportedException
            or NullReferenceException => FailureKind.Deterministic,
        _ => FailureKind.Unknown,
    };

    /// <summary>The reason a dead letter gives for <paramref name="exception"/>: its type and message.</summary>
    public static string ReasonOf(Exception exception) => $"{exception.GetType().Name}: {exception.Message}";

    private static bool IsTransientByName(Type? type)
    {
        for (; type is not null && type != typeof(Exception); type = type.BaseType)
        {
            if (TransientTypeNames.Contains(type.FullName ?? ""))
            {
                return true;
            }
        }

        return false;
    }
}
