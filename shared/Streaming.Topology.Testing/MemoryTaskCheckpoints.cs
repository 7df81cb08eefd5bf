using Streaming.Topology.Processing;

namespace Streaming.Topology.Testing;

/// <summary>The driver's checkpoint store: the latest state of each task and its segments of event identities, stored at once.</summary>
internal sealed class MemoryTaskCheckpoints : ITaskCheckpoints
{
    private readonly Dictionary<string, (byte[] State, Dictionary<long, byte[]> Segments)> latest = new(StringComparer.Ordinal);

    public byte[]? ReadLatest(string task, int partition) =>
        latest.TryGetValue(task, out var stored) ? CheckpointContainer.Pack(stored.State, stored.Segments) : null;

    public void Write(string task, int partition, CheckpointWrite checkpoint)
    {
        var segments = latest.TryGetValue(task, out var stored) ? stored.Segments : [];
        foreach (var (id, _) in checkpoint.DroppedSegments)
        {
            segments.Remove(id);
        }

        foreach (var (id, bytes) in checkpoint.NewSegments)
        {
            segments[id] = bytes;
        }

        latest[task] = (checkpoint.State, segments);
    }

    public void Flush()
    {
    }

    /// <summary>Makes <paramref name="checkpoint"/> (as <see cref="ReadLatest"/> returns it) the task's latest, or leaves it none.</summary>
    public void Replace(string task, byte[]? checkpoint)
    {
        if (checkpoint is null)
        {
            latest.Remove(task);
        }
        else
        {
            var (state, segments) = CheckpointContainer.Unpack(checkpoint);
            latest[task] = (state.ToArray(), segments);
        }
    }
}
