namespace Streaming.Metrics.Popularity;

/// <summary>
/// Views, wishlists and bookings of one product in one minute, and their weighted score. After the repartition by
/// product a product lives in one partition, so the row is the whole count. The record on <c>metrics.popularity</c>.
/// <c>Incarnation</c> names the run of the source partition's task that computed it (0 for results written before
/// incarnations existed); revisions compare within one incarnation, and the views add incarnations up.
/// </summary>
public sealed record ProductPopularityPerMinute(
    DateTimeOffset WindowStart,
    string ProductId,
    int Partition,
    long Revision,
    bool Provisional,
    long Views,
    long Wishlists,
    long Bookings,
    double Score,
    long Incarnation = 0);
