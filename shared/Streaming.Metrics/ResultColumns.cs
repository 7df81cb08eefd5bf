namespace Streaming.Metrics;

/// <summary>Columns every metric table shares.</summary>
internal static class ResultColumns
{
    /// <summary>
    /// Version = revision * 2 + (final ? 1 : 0): a higher revision wins, and a final result beats a provisional one of
    /// the same revision. MATERIALIZED so that no writer can insert a version that disagrees with its revision.
    /// </summary>
    public const string Version = "version UInt64 MATERIALIZED revision * 2 + (provisional = 0)";

    /// <summary>
    /// Adds the incarnation to a results table and to its sorting key, so that rows of two incarnations never replace each
    /// other on merge. (ClickHouse allows a new key column only in the ALTER that adds it; 18.16 has no ADD COLUMN IF NOT
    /// EXISTS, so the migrator counts this statement as done when the column exists.)
    /// </summary>
    public static string AddIncarnation(string table, string sortingKey) =>
        $"ALTER TABLE {table} ADD COLUMN incarnation UInt64, MODIFY ORDER BY ({sortingKey}, incarnation)";
}
