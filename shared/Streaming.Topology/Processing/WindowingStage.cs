using Microsoft.Extensions.Logging;
using Streaming.Kafka;
using Streaming.Reposts;
using Streaming.Topology.Kafka;
using Streaming.Topology.Status;
using Streaming.Topology.Telemetry;

namespace Streaming.Topology.Processing;

/// <summary>
/// The windowing stage of a topology: one task per assigned input partition and their life cycle, single-threaded.
/// The Kafka runtime and the test driver both run it; they differ only in the ports (output, checkpoint store,
/// committer) and in who calls it. Life cycle:
/// <list type="bullet">
/// <item><see cref="Assign"/> restores a task's latest checkpoint and says where to resume;</item>
/// <item><see cref="Process"/> counts one record and sends its results (and late or unreadable records) at once;</item>
/// <item><see cref="Tick"/>, after every poll: every <c>AdvanceInterval</c> close the windows the watermarks passed,
/// every provisional interval emit changed open windows, every <c>CheckpointInterval</c> <see cref="Checkpoint"/>;</item>
/// <item><see cref="Checkpoint"/>: results delivered, then the states that reflect them stored, then the offsets
/// committed, so a crash between any two steps re-emits and never loses;</item>
/// <item><see cref="Revoke"/> checkpoints and drops tasks; <see cref="Lose"/> drops them without (another member owns them).</item>
/// </list>
/// Provisional updates follow one rule: the first one interval after the stage started, then one interval after
/// the previous one (checked at ticks, so at most <c>AdvanceInterval</c> later).
/// </summary>
/// <param name="inputTopic">The topic's name as the runtime reads it; part of every task's identity.</param>
/// <param name="status">Where counters are published at checkpoint time; none in the test driver, which reads the tasks.</param>
/// <param name="trace">The batch spans (see <see cref="WindowBatchTrace"/>); none in the test driver.</param>
/// <param name="logEnd">The input partition's log end offset, or null when unknown: a checkpoint beyond it belongs to an
/// earlier log (topic recreated, cluster migrated, a local Kafka that keeps nothing).</param>
internal sealed partial class WindowingStage<TEvent, TKey, TValue>(
    WindowedTopology<TEvent, TKey, TValue> topology,
    string inputTopic,
    IWindowingOutput<TKey, TValue> output,
    ITaskCheckpoints checkpoints,
    IOffsetCommitter committer,
    TopologyRuntimeOptions options,
    TimeProvider clock,
    TaskStatusBoard? status,
    ILogger logger,
    WindowBatchTrace? trace = null,
    Func<int, long?>? logEnd = null)
    where TEvent : class
    where TKey : notnull
{
    private readonly Dictionary<int, TaskState> tasks = [];
    private readonly List<TopologyResult<TKey, TValue>> results = [];
    private readonly HashSet<long> closedNow = [];
    private readonly KeyValuePair<string, object?> topologyTag = new(TopologyTelemetry.TopologyTag, topology.Name);
    private readonly TimeSpan earliestClose = topology.Window.Size + topology.Window.Grace;
    private DateTimeOffset nextAdvance;
    private DateTimeOffset nextCheckpoint;
    private DateTimeOffset nextProvisional = clock.GetUtcNow() + (topology.ProvisionalEvery ?? TimeSpan.Zero);

    /// <summary>Names a task in checkpoints and status: topology, input topic, partition.</summary>
    public string TaskId(int partition) => $"{topology.Name}/{inputTopic}/{partition}";

    public WindowingTask<TEvent, TKey, TValue> TaskOf(int partition) => tasks[partition].Task;

    /// <summary>
    /// Creates the partition's task from its latest checkpoint; returns the offset to resume from, or null for "where the
    /// consumer group is". Without a usable checkpoint (none, or one beyond the log's end) the task starts a new
    /// incarnation, stored at once so that a crash before the next checkpoint resumes the same one.
    /// </summary>
    public long? Assign(int partition)
    {
        var state = new TaskState(TaskId(partition), new WindowingTask<TEvent, TKey, TValue>(topology, partition, clock));
        tasks[partition] = state;
        var stored = checkpoints.ReadLatest(state.Id, partition);
        var checkpoint = stored is null ? null : topology.Checkpoints.Read(stored, state.Id);
        if (checkpoint is null)
        {
            StartIncarnation(state, partition, nextOffset: -1, earlier: null);
            LogStartedFresh(logger, state.Id, state.Task.Incarnation);
            return null;
        }

        if (checkpoint.NextOffset > 0 && logEnd?.Invoke(partition) is { } end && checkpoint.NextOffset > end)
        {
            // The log restarted below the checkpoint: its windows and offsets describe records that are gone. Count the new
            // log from its start under a new incarnation; the earlier incarnation's results stay as they are.
            StartIncarnation(state, partition, nextOffset: 0, earlier: checkpoint.Incarnation);
            LogLogRestarted(logger, state.Id, checkpoint.NextOffset, end, state.Task.Incarnation);
            return 0;
        }

        if (state.Task.Restore(checkpoint) is > 0 and var lost)
        {
            LogIdentitiesLost(logger, state.Id, lost);
        }

        if (state.Task.NextOffset < 0)
        {
            return null; // A fresh incarnation that had not read anything yet.
        }

        state.Checkpointed = state.Task.NextOffset; // Committed again by this owner, in case the last owner's commit failed.
        LogRestored(logger, state.Id, state.Task.NextOffset, state.Task.Windows.OpenWindowCount);
        return state.Task.NextOffset;
    }

    /// <summary>
    /// Mints an incarnation (the wall clock's Unix milliseconds: distinct from every earlier one of the partition, which is
    /// all the views need) and stores it before any result carries it.
    /// </summary>
    private void StartIncarnation(TaskState state, int partition, long nextOffset, long? earlier)
    {
        var incarnation = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (incarnation == earlier)
        {
            incarnation++;
        }

        state.Task.StartIncarnation(incarnation, nextOffset);
        checkpoints.Write(state.Id, partition, topology.Checkpoints.Write(state.Task.Checkpoint()));
        checkpoints.Flush();
    }

    public void Process(in InputRecord record)
    {
        if (!tasks.TryGetValue(record.Partition, out var state))
        {
            return;
        }

        state.Dirty = true;
        var outcome = state.Task.Process(record.Value, record.Offset, record.Source, results, out var reason);
        if (trace is { IsRecording: true } && outcome is RecordOutcome.Counted or RecordOutcome.Corrected)
        {
            trace.Counted(state.Task.Windows.LastAddedWindowStart);
        }

        switch (outcome)
        {
            case RecordOutcome.TooLate:
                output.Late(record);
                break;
            case RecordOutcome.Unreadable or RecordOutcome.ReSentChanged:
                output.DeadLetter(record, reason!);
                break;
        }

        if (results.Count > 0)
        {
            DeliverResults();
        }
    }

    public void Tick()
    {
        var now = clock.GetUtcNow();
        if (now < nextAdvance)
        {
            return;
        }

        nextAdvance = now + options.AdvanceInterval;
        foreach (var state in tasks.Values)
        {
            var before = results.Count;
            state.Task.Advance(results);
            state.Dirty |= results.Count > before;
            CountClosed(before, now);
        }

        if (topology.ProvisionalEvery is { } every && now >= nextProvisional)
        {
            foreach (var state in tasks.Values)
            {
                state.Task.EmitProvisional(results);
            }

            nextProvisional = now + every;
        }

        if (results.Count > 0)
        {
            trace?.EnsureStarted(); // The results carry the batch's context.
        }

        DeliverResults();
        if (now >= nextCheckpoint)
        {
            Checkpoint();
            nextCheckpoint = clock.GetUtcNow() + options.CheckpointInterval;
            PublishStatus();
        }
    }

    /// <summary>Results first, then the state that reflects them, then the offset: a crash between any two steps re-emits, never loses.</summary>
    public void Checkpoint()
    {
        DeliverResults();
        var dirty = tasks.Where(t => t.Value.Dirty).ToList();
        if (dirty.Count > 0)
        {
            output.Flush();
            foreach (var (partition, state) in dirty)
            {
                checkpoints.Write(state.Id, partition, topology.Checkpoints.Write(state.Task.Checkpoint()));
                state.Checkpointed = state.Task.NextOffset;
            }

            checkpoints.Flush();
            foreach (var (_, state) in dirty)
            {
                state.Dirty = false;
            }
        }

        // Every checkpointed offset not yet handed to the committer (stored for the client to commit), including those
        // that could not be stored: the group offset is what lag monitoring reads, so it must catch up even when no new
        // record arrives.
        var behind = tasks.Where(t => t.Value.Checkpointed > t.Value.Committed).ToList();
        if (behind.Count > 0 && committer.TryCommit([.. behind.Select(t => (t.Key, t.Value.Checkpointed))]))
        {
            foreach (var (_, state) in behind)
            {
                state.Committed = state.Checkpointed;
            }
        }

        trace?.Stop();
    }

    /// <summary>Checkpoints every task, then drops those of the revoked partitions.</summary>
    public void Revoke(IEnumerable<int> partitions)
    {
        Checkpoint();
        foreach (var partition in partitions)
        {
            Forget(partition);
        }
    }

    /// <summary>Drops the tasks of partitions this stage no longer owns, without a checkpoint or a commit.</summary>
    public void Lose(IEnumerable<int> partitions)
    {
        foreach (var partition in partitions)
        {
            LogLost(logger, TaskId(partition));
            Forget(partition);
        }
    }

    /// <summary>Drops a task without a checkpoint, as a crash does: what it counted since its last checkpoint is lost.</summary>
    public void Forget(int partition)
    {
        if (tasks.Remove(partition, out var state))
        {
            status?.Remove(state.Id);
        }
    }

    /// <summary>
    /// The windows one task's Advance closed: the distinct window starts among its new results (the results of a window
    /// are appended together). Counted, with how long after their earliest close they go out, and linked in the trace.
    /// </summary>
    private void CountClosed(int from, DateTimeOffset now)
    {
        var last = long.MinValue;
        closedNow.Clear();
        for (var i = from; i < results.Count; i++)
        {
            var start = results[i].WindowStart;
            if (start.UtcTicks == last || !closedNow.Add(last = start.UtcTicks))
            {
                continue;
            }

            TopologyTelemetry.WindowsClosed.Add(1, topologyTag);
            TopologyTelemetry.EmitDelay.Record(Math.Max(0, (now - (start + earliestClose)).TotalSeconds), topologyTag);
            trace?.Closing(start.UtcTicks);
        }
    }

    /// <summary>
    /// Sends the pending results. One that cannot be sent is not the fault of the record being processed (the record is
    /// counted, its task's offset past it), so it must not be dead-lettered in its place: the failure is output not
    /// delivered (<see cref="UndeliveredOutputException"/>), which ends the stage, and the tasks resume from their
    /// checkpoints, which reflect only results delivered, and send them again. What went out before the failure leaves
    /// the pending list, and what did not stays at its head, so this stage never sends a result twice nor checkpoints
    /// past one it did not send.
    /// </summary>
    private void DeliverResults()
    {
        var sent = 0;
        try
        {
            for (; sent < results.Count; sent++)
            {
                output.Result(results[sent]);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            results.RemoveRange(0, sent);
            throw new UndeliveredOutputException(
                $"{topology.Name}: a result of window {results[0].WindowStart:O} was not sent ({ex.GetType().Name}: {ex.Message}); the stage resumes from its checkpoints", ex);
        }

        results.Clear();
    }

    private void PublishStatus()
    {
        if (status is null)
        {
            return;
        }

        var now = clock.GetUtcNow();
        foreach (var state in tasks.Values)
        {
            var task = state.Task;
            var w = task.Windows;
            var watermark = w.Watermark == DateTimeOffset.MinValue ? (DateTimeOffset?)null : w.Watermark;
            status.Publish(new WindowTaskStatus(
                state.Id, task.RecordsRead, w.Corrections, w.TooLate, task.Duplicates, task.Unreadable, w.OpenWindowCount, watermark, (now - watermark)?.TotalSeconds,
                task.ReSent, task.RememberedEvents.Count, task.RememberedEvents.Bytes));
        }
    }

    private sealed class TaskState(string id, WindowingTask<TEvent, TKey, TValue> task)
    {
        public string Id { get; } = id;

        public WindowingTask<TEvent, TKey, TValue> Task { get; } = task;

        public bool Dirty { get; set; }

        /// <summary>The input offset of the latest checkpoint written.</summary>
        public long Checkpointed { get; set; }

        /// <summary>The input offset last committed by this stage.</summary>
        public long Committed { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {Task} lost its partition (fenced from the group); dropped without a checkpoint")]
    private static partial void LogLost(ILogger logger, string task);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {Task} starts without a checkpoint, as incarnation {Incarnation}")]
    private static partial void LogStartedFresh(ILogger logger, string task, long incarnation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {Task}: its checkpoint is at offset {Offset}, beyond the log's end {End} (the input restarted); counting the log from its start as incarnation {Incarnation}")]
    private static partial void LogLogRestarted(ILogger logger, string task, long offset, long end, long incarnation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {Task}: {Segments} segment(s) of its remembered event identities are gone from the checkpoints topic (it did not keep them); restored without them, so a re-sent copy of those events counts again until the gap ledger repairs its minute")]
    private static partial void LogIdentitiesLost(ILogger logger, string task, int segments);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {Task} restored at offset {Offset} with {Open} open windows")]
    private static partial void LogRestored(ILogger logger, string task, long offset, int open);
}
