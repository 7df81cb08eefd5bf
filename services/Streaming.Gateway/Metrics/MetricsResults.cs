using FluentValidation.Results;

namespace Streaming.Gateway.Metrics;

/// <summary>What the metrics endpoints share beyond validation.</summary>
public static class MetricsResults
{
    /// <summary>A 400 application/problem+json whose errors are keyed by the parameters as clients send them.</summary>
    public static IResult Invalid(ValidationResult validation) => Results.ValidationProblem(validation.ToDictionary());

    /// <summary>
    /// The LIMIT for a query that may return at most <paramref name="maxRows"/> rows: one more, so that
    /// <see cref="Cap{T}"/> can tell a complete answer from a cut one.
    /// </summary>
    public static long LimitFor(int maxRows) => maxRows + 1L;

    public static (List<T> Rows, bool Truncated) Cap<T>(List<T> rows, int maxRows)
    {
        if (rows.Count <= maxRows)
        {
            return (rows, false);
        }

        rows.RemoveRange(maxRows, rows.Count - maxRows);
        return (rows, true);
    }

    public static DateTimeOffset Minute(long unixSeconds) => DateTimeOffset.FromUnixTimeSeconds(unixSeconds);
}
