namespace Streaming.Benchmarks.Peers;

/// <summary>Bookings per (product, one-minute window); the truth, or what a contender's results add up to.</summary>
internal sealed class BookingCounts
{
    private readonly Dictionary<(string Product, long WindowStartMs), long> counts = [];

    public long Total => counts.Values.Sum();

    public static long WindowOf(DateTimeOffset at) => at.ToUnixTimeMilliseconds() - (at.ToUnixTimeMilliseconds() % 60_000);

    public void Add(string product, long windowStartMs, long bookings) =>
        counts[(product, windowStartMs)] = counts.GetValueOrDefault((product, windowStartMs)) + bookings;

    /// <summary>Bookings missing from <paramref name="results"/> and bookings counted more than once, over every window.</summary>
    public Exactness Compare(BookingCounts results)
    {
        var (missing, extra, exactWindows) = (0L, 0L, 0);
        foreach (var key in counts.Keys.Union(results.counts.Keys))
        {
            var difference = results.counts.GetValueOrDefault(key) - counts.GetValueOrDefault(key);
            (missing, extra) = difference < 0 ? (missing - difference, extra) : (missing, extra + difference);
            exactWindows += difference == 0 && counts.ContainsKey(key) ? 1 : 0;
        }

        return new Exactness(Total, missing, extra, exactWindows, counts.Count);
    }
}

/// <summary>How far a contender's results are from the truth.</summary>
internal sealed record Exactness(long Bookings, long Missing, long Extra, int ExactWindows, int Windows)
{
    public bool Exact => Missing == 0 && Extra == 0;

    public override string ToString() => Exact
        ? $"exact ({Bookings:N0} bookings)"
        : $"{Missing:N0} missing ({100.0 * Missing / Bookings:0.00} %), {Extra:N0} double ({100.0 * Extra / Bookings:0.00} %)";
}
