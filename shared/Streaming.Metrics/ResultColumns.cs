namespace Streaming.Metrics;

/// <summary>Columns every metric table shares.</summary>
internal static class ResultColumns
{
    /// <summary>
    /// Version = revision * 2 + (final ? 1 : 0): a higher revision wins, and a final result beats a provisional one of
    /// the same revision. MATERIALIZED so that no writer can insert a version that disagrees with its revision.
    /// </summary>
    public const string Version = "version UInt64 MATERIALIZED revision * 2 + (provisional = 0)";
}
