using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using Confluent.Kafka;
using Streaming.Kafka;
using Streaming.Topology.Processing;

namespace Streaming.Topology.Kafka;

/// <summary>
/// Task checkpoints in Kafka, in the partition of the checkpoints topic chosen from the task's input partition.
/// A checkpoint is compressed and cut into chunks (a task's state can exceed a record's size limit), written to one
/// of two slots in turn, and then named by a small manifest record keyed by the task. A crash while writing a
/// checkpoint leaves the previous one whole in the other slot, and the manifest still names it. Every record's key
/// is what a compacted topic keeps the latest of, so on a real cluster a restore reads little; the local mock
/// cluster does not compact, so it reads the whole partition. Segments of remembered event identities are records of
/// their own (<c>task@ids#segment#chunk</c>), written once, before the state that names them, uncompressed (random
/// hashes do not compress), and deleted with tombstones once past the horizon.
/// </summary>
internal sealed class CheckpointStore(KafkaClients kafka, RecordProducer producer)
{
    /// <summary>Below the default 1 MB record limit of brokers, with room for headers.</summary>
    public const int ChunkBytes = 512 * 1024;

    private const string GenerationHeader = "ckpt-generation";
    private readonly string topic = kafka.Options.Name(Topics.Checkpoints);
    private readonly Dictionary<string, long> generations = [];

    public void Write(string task, TopicPartition input, CheckpointWrite checkpoint)
    {
        var partition = new TopicPartition(topic, PartitionFor(input));
        foreach (var (id, bytes) in checkpoint.NewSegments)
        {
            for (var i = 0; i < Chunks(bytes.Length); i++)
            {
                producer.Send(partition, SegmentKey(task, id, i), bytes.AsSpan(i * ChunkBytes, Math.Min(ChunkBytes, bytes.Length - (i * ChunkBytes))).ToArray());
            }
        }

        foreach (var (id, length) in checkpoint.DroppedSegments)
        {
            for (var i = 0; i < Chunks(length); i++)
            {
                producer.Send(partition, SegmentKey(task, id, i), null!); // a tombstone: compaction removes the key
            }
        }

        var state = checkpoint.State;
        var generation = generations.GetValueOrDefault(task) + 1;
        generations[task] = generation;
        var slot = (int)(generation % 2);
        var compressed = Compress(state);
        var chunks = Chunks(compressed.Length);
        for (var i = 0; i < chunks; i++)
        {
            var chunk = compressed.AsSpan(i * ChunkBytes, Math.Min(ChunkBytes, compressed.Length - (i * ChunkBytes))).ToArray();
            producer.Send(partition, ChunkKey(task, slot, i), chunk, new Headers { { GenerationHeader, Long(generation) } });
        }

        // Same partition, so the manifest is stored after its chunks.
        var manifest = new byte[20];
        BinaryPrimitives.WriteInt64BigEndian(manifest, generation);
        BinaryPrimitives.WriteInt32BigEndian(manifest.AsSpan(8), slot);
        BinaryPrimitives.WriteInt32BigEndian(manifest.AsSpan(12), chunks);
        BinaryPrimitives.WriteInt32BigEndian(manifest.AsSpan(16), compressed.Length);
        producer.Send(partition, task, manifest);
    }

    /// <summary>The latest whole checkpoint of <paramref name="task"/> with its stored segments (see <see cref="CheckpointContainer"/>), or null when it has none.</summary>
    public byte[]? ReadLatest(string task, TopicPartition input, TimeSpan timeout)
    {
        using var reader = kafka.CreateConsumerBuilder("checkpoint-reader-unused", "checkpoint-reader").Build();
        var partition = new TopicPartition(topic, PartitionFor(input));
        var marks = reader.QueryWatermarkOffsets(partition, timeout);
        if (marks.High.Value <= marks.Low.Value)
        {
            return null;
        }

        reader.Assign(new TopicPartitionOffset(partition, marks.Low));
        byte[]? manifest = null;
        var chunks = new Dictionary<string, (long Generation, byte[] Value)>(StringComparer.Ordinal);
        var prefix = task + "#";
        var segmentPrefix = task + "@ids#";
        var segmentChunks = new Dictionary<(long Segment, int Chunk), byte[]>();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Reading checkpoints of {task} did not reach offset {marks.High.Value} within {timeout.TotalSeconds:0} s.");
            }

            var record = reader.Consume(TimeSpan.FromMilliseconds(200));
            if (record is null || record.IsPartitionEOF)
            {
                continue;
            }

            if (record.Message.Key == task)
            {
                manifest = record.Message.Value;
            }
            else if (record.Message.Key?.StartsWith(prefix, StringComparison.Ordinal) == true
                && record.Message.Headers.TryGetLastBytes(GenerationHeader, out var generation))
            {
                chunks[record.Message.Key] = (BinaryPrimitives.ReadInt64BigEndian(generation), record.Message.Value);
            }
            else if (record.Message.Key?.StartsWith(segmentPrefix, StringComparison.Ordinal) == true)
            {
                var at = record.Message.Key.AsSpan(segmentPrefix.Length);
                var split = at.IndexOf('#');
                var key = (long.Parse(at[..split], CultureInfo.InvariantCulture), int.Parse(at[(split + 1)..], CultureInfo.InvariantCulture));
                if (record.Message.Value is null)
                {
                    segmentChunks.Remove(key);
                }
                else
                {
                    segmentChunks[key] = record.Message.Value;
                }
            }

            if (record.Offset.Value >= marks.High.Value - 1)
            {
                return manifest is null ? null : CheckpointContainer.Pack(Assemble(task, manifest, chunks), Segments(segmentChunks));
            }
        }
    }

    private byte[] Assemble(string task, byte[] manifest, Dictionary<string, (long Generation, byte[] Value)> chunks)
    {
        var generation = BinaryPrimitives.ReadInt64BigEndian(manifest);
        var slot = BinaryPrimitives.ReadInt32BigEndian(manifest.AsSpan(8));
        var count = BinaryPrimitives.ReadInt32BigEndian(manifest.AsSpan(12));
        var length = BinaryPrimitives.ReadInt32BigEndian(manifest.AsSpan(16));
        var compressed = new byte[length];
        var at = 0;
        for (var i = 0; i < count; i++)
        {
            if (!chunks.TryGetValue(ChunkKey(task, slot, i), out var chunk) || chunk.Generation != generation)
            {
                throw new InvalidOperationException($"Checkpoint {generation} of {task} misses chunk {i} of {count}.");
            }

            chunk.Value.CopyTo(compressed, at);
            at += chunk.Value.Length;
        }

        generations[task] = generation; // The next write goes to the other slot.
        return Decompress(compressed);
    }

    private static string ChunkKey(string task, int slot, int index) => $"{task}#{slot}#{index}";

    private static string SegmentKey(string task, long segment, int index) => string.Create(CultureInfo.InvariantCulture, $"{task}@ids#{segment}#{index}");

    private static int Chunks(int bytes) => Math.Max(1, (bytes + ChunkBytes - 1) / ChunkBytes);

    /// <summary>Each segment from its chunks 0, 1, … (a longer stale write of the same segment may follow; the state says how many bytes count).</summary>
    private static Dictionary<long, byte[]> Segments(Dictionary<(long Segment, int Chunk), byte[]> chunks)
    {
        var segments = new Dictionary<long, byte[]>();
        foreach (var segment in chunks.Keys.Where(k => k.Chunk == 0).Select(k => k.Segment))
        {
            using var bytes = new MemoryStream();
            for (var i = 0; chunks.TryGetValue((segment, i), out var chunk); i++)
            {
                bytes.Write(chunk);
            }

            segments[segment] = bytes.ToArray();
        }

        return segments;
    }

    private static byte[] Long(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] Compress(byte[] state)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(state);
        }

        return output.ToArray();
    }

    private static byte[] Decompress(byte[] compressed)
    {
        using var input = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    private int PartitionFor(TopicPartition input) => input.Partition.Value % kafka.Options.CheckpointPartitions;
}
