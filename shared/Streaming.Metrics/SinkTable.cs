using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization.Metadata;
using Streaming.ClickHouse;
using Streaming.Kafka;

namespace Streaming.Metrics;

/// <summary>
/// One topic of JSON records into one ClickHouse table: how to read a record, what makes it unusable (it goes to the
/// dead-letter topic with that reason), and its RowBinary layout. The sink runs each as its own loop and consumer
/// group, so one table's batches, commits and retries never hold up another's. A topic with a reader of its own
/// (<paramref name="Reader"/>: the events topic's, which skips fields a newer producer added) is read with it instead
/// of <paramref name="Json"/>, which still writes a refused row's dead letter.
/// </summary>
public sealed record SinkTable<T>(
    string Name,
    string Topic,
    string Table,
    JsonTypeInfo<T> Json,
    RowBinaryLayout<T> Layout,
    Func<T, string?> Problem,
    SinkRecordReader<T>? Reader = null) : ISinkTable
    where T : class
{
    public void Accept(ISinkTableVisitor visitor) => visitor.Visit(this);

    /// <summary>The row of a record's value, or why it has none (the reason goes to the dead-letter topic).</summary>
    public bool TryRead(byte[]? value, [NotNullWhen(true)] out T? row, [NotNullWhen(false)] out string? reason)
    {
        if (Reader is null)
        {
            return RecordJson.TryRead(value, Json, Problem, out row, out reason);
        }

        if (!Reader(value ?? [], out row, out reason))
        {
            return false;
        }

        reason = Problem(row);
        row = reason is null ? row : null;
        return reason is null;
    }
}

/// <summary>Reads one record's value, or says why it cannot.</summary>
public delegate bool SinkRecordReader<T>(ReadOnlySpan<byte> value, [NotNullWhen(true)] out T? row, [NotNullWhen(false)] out string? reason)
    where T : class;

/// <summary>A <see cref="SinkTable{T}"/> whose record type the caller need not know.</summary>
public interface ISinkTable
{
    string Name { get; }

    string Topic { get; }

    string Table { get; }

    /// <summary>Calls back with the typed table (the sink starts one typed loop per table).</summary>
    void Accept(ISinkTableVisitor visitor);
}

public interface ISinkTableVisitor
{
    void Visit<T>(SinkTable<T> table)
        where T : class;
}
