using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Streaming.Topology.Processing;
using Streaming.Topology.Windowing;

namespace Streaming.Topology;

/// <summary>
/// How a topology's task checkpoints store its window keys and values: source-generated JSON for each. The runtime
/// writes the rest of a checkpoint (windows, offsets, counters) itself, so its layout is not part of the API.
/// </summary>
public sealed class CheckpointFormat<TKey, TValue>
    where TKey : notnull
{
    /// <summary>
    /// The layout version; a task refuses a checkpoint of another version rather than misread it. Version 3 added the
    /// remembered event identities ("event_ids": the live segments, stored beside the state); a version 2 checkpoint
    /// reads as having none. A checkpoint without "incarnation" belongs to incarnation 0.
    /// </summary>
    internal const int Version = 3;

    private const int PreviousVersion = 2;

    private readonly JsonTypeInfo<TKey> keyType;
    private readonly JsonTypeInfo<TValue> valueType;

    public CheckpointFormat(JsonTypeInfo<TKey> key, JsonTypeInfo<TValue> value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        (keyType, valueType) = (key, value);
    }

    internal CheckpointWrite Write(TaskCheckpoint<TKey, TValue> checkpoint)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("format"u8, Version);
            json.WriteNumber("next_offset"u8, checkpoint.NextOffset);
            if (checkpoint.Incarnation != 0)
            {
                json.WriteNumber("incarnation"u8, checkpoint.Incarnation);
            }

            json.WriteStartObject("source_offsets"u8);
            foreach (var (partition, offset) in checkpoint.SourceOffsets)
            {
                json.WriteNumber(partition.ToString(CultureInfo.InvariantCulture), offset);
            }

            json.WriteEndObject();
            WriteWindows(json, checkpoint.Windows);
            WriteEventIds(json, checkpoint.EventIds);
            json.WriteEndObject();
        }

        var ids = checkpoint.EventIds;
        return new CheckpointWrite(buffer.WrittenSpan.ToArray(), ids.Bytes, [.. ids.Dropped.Select(s => (s.Id, s.Bytes))]);
    }

    /// <param name="checkpoint">The state, with the segments it names (see <see cref="CheckpointContainer"/>).</param>
    /// <param name="task">Names the task in errors.</param>
    internal TaskCheckpoint<TKey, TValue> Read(byte[] checkpoint, string task)
    {
        var (state, segments) = CheckpointContainer.Unpack(checkpoint);
        using var document = JsonDocument.Parse(state);
        var root = document.RootElement;
        var version = root.GetProperty("format"u8).GetInt32();
        if (version is not (Version or PreviousVersion))
        {
            throw new InvalidOperationException($"Checkpoint of {task} has format {version}; this version reads {PreviousVersion} and {Version}.");
        }

        var sourceOffsets = new Dictionary<int, long>();
        foreach (var source in root.GetProperty("source_offsets"u8).EnumerateObject())
        {
            sourceOffsets[int.Parse(source.Name, CultureInfo.InvariantCulture)] = source.Value.GetInt64();
        }

        var eventIds = root.TryGetProperty("event_ids"u8, out var ids) ? ReadEventIds(ids, segments) : EventIdCheckpoint.None;

        // Checkpoints written before incarnations existed belong to the first one, 0.
        var incarnation = root.TryGetProperty("incarnation"u8, out var stored) ? stored.GetInt64() : 0;
        return new TaskCheckpoint<TKey, TValue>(
            root.GetProperty("next_offset"u8).GetInt64(), sourceOffsets, ReadWindows(root.GetProperty("windows"u8), task), eventIds, incarnation);
    }

    private static void WriteEventIds(Utf8JsonWriter json, EventIdCheckpoint ids)
    {
        json.WriteStartObject("event_ids"u8);
        json.WriteNumber("next_segment"u8, ids.NextSegment);
        json.WriteStartArray("segments"u8);
        foreach (var segment in ids.Live)
        {
            json.WriteStartObject();
            json.WriteNumber("id"u8, segment.Id);
            json.WriteNumber("count"u8, segment.Count);
            json.WriteNumber("expires_by"u8, segment.ExpiresBy);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static EventIdCheckpoint ReadEventIds(JsonElement ids, Dictionary<long, byte[]> segments)
    {
        var live = new List<IdSegment>();
        foreach (var s in ids.GetProperty("segments"u8).EnumerateArray())
        {
            live.Add(new IdSegment(s.GetProperty("id"u8).GetInt64(), s.GetProperty("count"u8).GetInt32(), s.GetProperty("expires_by"u8).GetUInt32()));
        }

        return new EventIdCheckpoint(live, ids.GetProperty("next_segment"u8).GetInt64(), segments, []);
    }

    private void WriteWindows(Utf8JsonWriter json, WindowSnapshot<TKey, TValue> windows)
    {
        json.WriteStartObject("windows"u8);
        json.WriteString("watermark"u8, windows.Watermark);
        json.WriteStartArray("open"u8);
        foreach (var window in windows.Open)
        {
            WriteWindow(json, window.Start, window.Key, window.Value);
            json.WriteNumber("last_offset"u8, window.LastOffset);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("closed"u8);
        foreach (var window in windows.Closed)
        {
            WriteWindow(json, window.Start, window.Key, window.Value);
            json.WriteNumber("revision"u8, window.Revision);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteNumber("additions"u8, windows.Additions);
        json.WriteNumber("corrections"u8, windows.Corrections);
        json.WriteNumber("too_late"u8, windows.TooLate);
        json.WriteNumber("last_offset"u8, windows.LastOffset);
        if (windows.ZerosFrom is { } zerosFrom)
        {
            json.WriteString("zeros_from"u8, zerosFrom);
        }

        json.WriteEndObject();
    }

    /// <summary>Starts a window's object; the caller adds its last field and ends it.</summary>
    private void WriteWindow(Utf8JsonWriter json, DateTimeOffset start, TKey key, TValue value)
    {
        json.WriteStartObject();
        json.WriteString("start"u8, start);
        json.WritePropertyName("key"u8);
        JsonSerializer.Serialize(json, key, keyType);
        json.WritePropertyName("value"u8);
        JsonSerializer.Serialize(json, value, valueType);
    }

    private WindowSnapshot<TKey, TValue> ReadWindows(JsonElement windows, string task)
    {
        var open = new List<OpenWindowState<TKey, TValue>>();
        foreach (var w in windows.GetProperty("open"u8).EnumerateArray())
        {
            open.Add(new OpenWindowState<TKey, TValue>(
                w.GetProperty("start"u8).GetDateTimeOffset(), ReadKey(w, task), ReadValue(w), w.GetProperty("last_offset"u8).GetInt64()));
        }

        var closed = new List<ClosedWindowState<TKey, TValue>>();
        foreach (var w in windows.GetProperty("closed"u8).EnumerateArray())
        {
            closed.Add(new ClosedWindowState<TKey, TValue>(
                w.GetProperty("start"u8).GetDateTimeOffset(), ReadKey(w, task), ReadValue(w), w.GetProperty("revision"u8).GetInt64()));
        }

        // "records_in" is the name checkpoints written before the counter was renamed carry.
        var additions = windows.TryGetProperty("additions"u8, out var counted) || windows.TryGetProperty("records_in"u8, out counted) ? counted.GetInt64() : 0;
        return new WindowSnapshot<TKey, TValue>(
            windows.GetProperty("watermark"u8).GetDateTimeOffset(),
            open,
            closed,
            additions,
            windows.GetProperty("corrections"u8).GetInt64(),
            windows.GetProperty("too_late"u8).GetInt64(),
            windows.TryGetProperty("last_offset"u8, out var lastOffset) ? lastOffset.GetInt64() : -1,
            windows.TryGetProperty("zeros_from"u8, out var zerosFrom) && zerosFrom.ValueKind != JsonValueKind.Null ? zerosFrom.GetDateTimeOffset() : null);
    }

    private TKey ReadKey(JsonElement window, string task) =>
        window.GetProperty("key"u8).Deserialize(keyType) ?? throw new InvalidOperationException($"Checkpoint of {task} has a window without a key.");

    private TValue ReadValue(JsonElement window) => window.GetProperty("value"u8).Deserialize(valueType)!;
}
