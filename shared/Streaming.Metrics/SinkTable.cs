using System.Text.Json.Serialization.Metadata;
using Streaming.ClickHouse;

namespace Streaming.Metrics;

/// <summary>
/// One topic of JSON records into one ClickHouse table: how to read a record, what makes it unusable (it goes to the
/// dead-letter topic with that reason), and its RowBinary layout. The sink runs each as its own loop and consumer
/// group, so one table's batches, commits and retries never hold up another's.
/// </summary>
public sealed record SinkTable<T>(
    string Name,
    string Topic,
    string Table,
    JsonTypeInfo<T> Json,
    RowBinaryLayout<T> Layout,
    Func<T, string?> Problem) : ISinkTable
    where T : class
{
    public void Accept(ISinkTableVisitor visitor) => visitor.Visit(this);
}

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
