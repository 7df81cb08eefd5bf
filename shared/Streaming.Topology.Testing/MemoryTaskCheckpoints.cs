using Streaming.Topology.Processing;

namespace Streaming.Topology.Testing;

/// <summary>The driver's checkpoint store: the latest checkpoint of each task, stored at once.</summary>
internal sealed class MemoryTaskCheckpoints : ITaskCheckpoints
{
    private readonly Dictionary<string, byte[]> latest = new(StringComparer.Ordinal);

    public byte[]? ReadLatest(string task, int partition) => latest.GetValueOrDefault(task);

    public void Write(string task, int partition, byte[] checkpoint) => latest[task] = checkpoint;

    public void Flush()
    {
    }

    /// <summary>Makes <paramref name="checkpoint"/> the task's latest, or leaves it none.</summary>
    public void Replace(string task, byte[]? checkpoint)
    {
        if (checkpoint is null)
        {
            latest.Remove(task);
        }
        else
        {
            latest[task] = checkpoint;
        }
    }
}
