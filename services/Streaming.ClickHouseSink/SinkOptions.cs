using System.ComponentModel.DataAnnotations;

namespace Streaming.ClickHouseSink;

/// <summary>Section "Sink".</summary>
public sealed class SinkOptions
{
    public const string Section = "Sink";

    [Required]
    public string GroupId { get; set; } = "clickhouse-sink";

    /// <summary>A batch is written when it has this many rows...</summary>
    [Range(1, 1_000_000)]
    public int BatchRows { get; set; } = 10_000;

    /// <summary>...or when its oldest row has waited this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan BatchAge { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);
}
