using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Streaming.ClickHouseSink.Telemetry;

/// <summary>
/// The sink's activity source and meter (both "Streaming.ClickHouseSink"): per table, batches and rows ClickHouse
/// acknowledged, insert latency, failed inserts and retries. The counters are observed from per-table fields, so every
/// table reports them from the start (a failure counter at 0 rather than no series at all).
/// </summary>
public static class SinkTelemetry
{
    public const string Name = "Streaming.ClickHouseSink";
    public const string TableTag = "table";
    public const string OutcomeTag = "outcome";

    public static readonly ActivitySource Source = new(Name);

    private static readonly ConcurrentDictionary<string, TableCounters> Tables = new(StringComparer.Ordinal);

    private static readonly Meter Meter = new(Name);

    public static readonly Histogram<double> InsertDuration = Meter.CreateHistogram(
        "streaming.sink.insert.duration", "s", "Time of one RowBinary insert (a batch) into ClickHouse, by table and outcome (ok, error).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

    static SinkTelemetry()
    {
        Meter.CreateObservableCounter("streaming.sink.batches", () => Observe(t => t.Batches), "{batch}", "Batches ClickHouse acknowledged, by table.");
        Meter.CreateObservableCounter("streaming.sink.rows", () => Observe(t => t.Rows), "{row}", "Rows ClickHouse acknowledged, by table.");
        Meter.CreateObservableCounter("streaming.sink.insert.failures", () => Observe(t => t.Failures), "{insert}",
            "Inserts that failed (the batch is kept, input paused, and the insert retried), by table.");
        Meter.CreateObservableCounter("streaming.sink.insert.retries", () => Observe(t => t.Retries), "{insert}",
            "Inserts of a batch that had failed before, whatever their outcome, by table.");
    }

    /// <summary>The counters of one table (one sink loop writes each table).</summary>
    public static TableCounters For(string table) => Tables.GetOrAdd(table, t => new TableCounters(t));

    private static IEnumerable<Measurement<long>> Observe(Func<TableCounters, long> value) =>
        Tables.Values.Select(t => new Measurement<long>(value(t), new KeyValuePair<string, object?>(TableTag, t.Table)));

    public sealed class TableCounters(string table)
    {
        private long batches;
        private long rows;
        private long failures;
        private long retries;

        public string Table { get; } = table;

        public long Batches => Volatile.Read(ref batches);

        public long Rows => Volatile.Read(ref rows);

        public long Failures => Volatile.Read(ref failures);

        public long Retries => Volatile.Read(ref retries);

        public void Written(int batchRows)
        {
            Interlocked.Increment(ref batches);
            Interlocked.Add(ref rows, batchRows);
        }

        public void Failed() => Interlocked.Increment(ref failures);

        public void Retried() => Interlocked.Increment(ref retries);
    }
}
