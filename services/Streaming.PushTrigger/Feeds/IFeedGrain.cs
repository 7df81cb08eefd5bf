namespace Streaming.PushTrigger.Feeds;

/// <summary>
/// A grain fed from a Kafka partition: it applies in memory and writes on <see cref="FlushAsync"/> (the consumer's
/// barrier), and only then does the consumer store the offsets behind it.
/// </summary>
public interface IFeedGrain : IGrainWithStringKey
{
    /// <summary>
    /// Writes the state if anything changed since the last write; throws if storage fails. Returns the activation's id:
    /// if it differs from the one the feed call returned, that activation was lost before writing, and the caller reads
    /// the partition again.
    /// </summary>
    Task<Guid> FlushAsync();
}

/// <summary>The grain storage, clustering and reminder provider names of the push silo.</summary>
public static class PushStorage
{
    public const string Name = "push";

    /// <summary>Appended to the cluster and service ids of section <c>Orleans</c>: the push silo is a cluster of its own.</summary>
    public const string ClusterSuffix = "-push";
}
