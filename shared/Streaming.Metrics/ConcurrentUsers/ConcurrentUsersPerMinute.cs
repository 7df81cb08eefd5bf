namespace Streaming.Metrics.ConcurrentUsers;

/// <summary>
/// Distinct active users in one minute, for one dimension value (<c>all</c> has the value ""), from one source
/// partition. The record on <c>metrics.concurrent-users</c>.
/// <c>Incarnation</c> names the run of the source partition's task that computed it (0 for results written before
/// incarnations existed); revisions compare within one incarnation, and the views add incarnations up.
/// </summary>
public sealed record ConcurrentUsersPerMinute(
    DateTimeOffset WindowStart,
    string Dimension,
    string DimensionValue,
    int Partition,
    long Revision,
    bool Provisional,
    long Users,
    long Incarnation = 0);
