namespace Streaming.Metrics.ConcurrentUsers;

/// <summary>
/// Distinct active users in one minute, for one dimension value (<c>all</c> has the value ""), from one source
/// partition. The record on <c>metrics.concurrent-users</c>.
/// </summary>
public sealed record ConcurrentUsersPerMinute(
    DateTimeOffset WindowStart,
    string Dimension,
    string DimensionValue,
    int Partition,
    long Revision,
    bool Provisional,
    long Users);
