using System.Text.Json.Serialization;
using Streaming.ClickHouse;
using Streaming.Kafka;
using Streaming.Metrics.ConcurrentUsers;

namespace Streaming.Benchmarks;

/// <summary>
/// Which windows are final in ClickHouse: every source partition's final row of the zero-filled "all users" series is
/// in the concurrent-users table, so the views return the window's final value. The freshness and load benchmarks
/// time a window from its close to the first poll that finds it here.
/// </summary>
internal static class FinalWindows
{
    public static readonly int SourcePartitions = Topics.DefaultPartitions[Topics.Events];

    /// <summary>Starts (Unix seconds) of the final windows that start at or after <paramref name="from"/>.</summary>
    public static async Task<List<long>> QueryAsync(ClickHouseClient clickHouse, DateTimeOffset from, CancellationToken cancellationToken = default)
    {
        var rows = await clickHouse.QueryAsync(
            $"SELECT toUInt32(window_start) AS window_unix, uniqExact(source_partition) AS partitions_final FROM {Sql.Identifier(ConcurrentUsersTable.Table)} " +
            $"WHERE dimension = 'all' AND provisional = 0 AND window_start >= {Sql.DateTime(from)} GROUP BY window_start",
            FinalWindowsJson.Default.PartitionsRow,
            cancellationToken);
        return [.. rows.Where(r => r.PartitionsFinal == (ulong)SourcePartitions).Select(r => r.WindowUnix)];
    }
}

internal sealed record PartitionsRow(long WindowUnix, ulong PartitionsFinal);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PartitionsRow))]
internal sealed partial class FinalWindowsJson : JsonSerializerContext;
