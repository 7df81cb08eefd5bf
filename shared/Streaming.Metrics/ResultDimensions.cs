namespace Streaming.Metrics;

/// <summary>
/// The dimensions a metric result is broken down by. Every result is a partial for one source partition: the
/// partitions of a keyed stream hold disjoint keys, so partials add up to the exact total. Identity is (window start,
/// dimensions, partition, revision): a re-emit with the same identity is a duplicate, a higher revision replaces a
/// lower one, and a final result replaces a provisional one of the same revision.
/// </summary>
public static class ResultDimensions
{
    public const string All = "all";
    public const string Platform = "platform";
    public const string Country = "country";
    public const string Product = "product";
    public const string Category = "category";
    public const string City = "city";
}
