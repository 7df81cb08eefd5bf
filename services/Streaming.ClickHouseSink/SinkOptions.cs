using System.ComponentModel.DataAnnotations;

namespace Streaming.ClickHouseSink;

/// <summary>Section "Sink".</summary>
public sealed class SinkOptions
{
    public const string Section = "Sink";

    /// <summary>Prefix of the consumer groups: each sink table consumes as "{GroupPrefix}.{its name}" (e.g. clickhouse-sink.bookings).</summary>
    [Required]
    public string GroupPrefix { get; set; } = "clickhouse-sink";

    /// <summary>
    /// A table's batch is written when it has this many rows... ClickHouse wants inserts of at least about a thousand
    /// rows or at most about one per second; with <see cref="BatchAge"/> at 1 s both hold at any rate.
    /// </summary>
    [Range(1_000, 1_000_000, ErrorMessage = "Sink:BatchRows must be between 1000 and 1000000 (ClickHouse prefers few large inserts)")]
    public int BatchRows { get; set; } = 10_000;

    /// <summary>...or when its oldest row has waited this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan BatchAge { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);
}
