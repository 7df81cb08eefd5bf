using System.Text.Json.Serialization.Metadata;
using Streaming.ClickHouse;

namespace Streaming.ClickHouseSink.Routes;

/// <summary>
/// One topic of JSON records into one table: how to read a record, what makes it unusable (it goes to the dead-letter
/// topic with that reason), and its RowBinary layout. Each route runs as its own loop with its own consumer group,
/// so one table's batch, commits and retries never hold up another's.
/// </summary>
public sealed record SinkRoute<T>(
    string Name,
    string Topic,
    string Table,
    JsonTypeInfo<T> Json,
    RowBinaryLayout<T> Layout,
    Func<T, string?> Problem)
    where T : class;
