using System.ComponentModel.DataAnnotations;

namespace Streaming.Topology.Kafka;

/// <summary>How the Kafka runtime checkpoints and commits; the hosting service binds it from section "Topology".</summary>
public sealed class TopologyRuntimeOptions
{
    public const string Section = "Topology";

    /// <summary>How often windowing tasks flush results, write a checkpoint (state and input offset) and commit.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often repartition stages flush and commit their input offsets.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often tasks check their watermarks and close windows. Closing is not per record: with many tasks that would
    /// cost more than the records themselves; a window closes at most this much later.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:05")]
    public TimeSpan AdvanceInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a task may take to read its checkpoint on assignment.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RestoreTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
