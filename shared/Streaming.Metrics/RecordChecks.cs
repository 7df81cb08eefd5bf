namespace Streaming.Metrics;

/// <summary>
/// What a readable record must also satisfy to become a row: unsigned columns must not receive negative numbers and
/// DateTime holds 1970..2106. A record that fails goes to the dead-letter topic instead of blocking its table.
/// </summary>
internal static class RecordChecks
{
    private static readonly DateTimeOffset MaxDateTime = DateTimeOffset.FromUnixTimeSeconds(uint.MaxValue);

    /// <summary>The identity every result has: window, source partition, revision.</summary>
    public static string? Result(DateTimeOffset windowStart, int partition, long revision) =>
        InDateTimeRange("window_start", windowStart) ?? NotNegative(("partition", partition), ("revision", revision));

    public static string? Dimension(string dimension) => dimension.Length == 0 ? "dimension is empty" : null;

    public static string? NotNegative(params ReadOnlySpan<(string Name, long Value)> fields)
    {
        foreach (var (name, value) in fields)
        {
            if (value < 0)
            {
                return $"{name} is negative ({value})";
            }
        }

        return null;
    }

    public static string? InDateTimeRange(string name, DateTimeOffset value) =>
        value < DateTimeOffset.UnixEpoch || value > MaxDateTime ? $"{name} {value:O} is outside ClickHouse's DateTime range" : null;
}
