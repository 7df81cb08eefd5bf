using System.ComponentModel.DataAnnotations;

namespace Streaming.Topology.Kafka;

/// <summary>How the Kafka runtime checkpoints and commits; bound by the hosting service.</summary>
public sealed class TopologyRuntimeOptions
{
    /// <summary>How often windowing tasks flush results, write a checkpoint (state and input offset) and commit.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often repartition stages flush and commit their input offsets.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a task may take to read its checkpoint on assignment.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RestoreTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
