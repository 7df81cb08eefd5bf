using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Streaming.ClickHouseSink.Telemetry;

/// <summary>The sink's activity source and meter (both "Streaming.ClickHouseSink"): insert batches, rows, latency, failures, retries.</summary>
public static class SinkTelemetry
{
    public const string Name = "Streaming.ClickHouseSink";
    public const string TableTag = "table";
    public const string OutcomeTag = "outcome";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> Batches = Meter.CreateCounter<long>(
        "streaming.sink.batches", "{batch}", "Batches ClickHouse acknowledged, by table.");

    public static readonly Counter<long> Rows = Meter.CreateCounter<long>(
        "streaming.sink.rows", "{row}", "Rows ClickHouse acknowledged, by table.");

    public static readonly Histogram<double> InsertDuration = Meter.CreateHistogram(
        "streaming.sink.insert.duration", "s", "Time of one RowBinary insert (a batch) into ClickHouse, by table and outcome (ok, error).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

    public static readonly Counter<long> Failures = Meter.CreateCounter<long>(
        "streaming.sink.insert.failures", "{insert}", "Inserts that failed (the batch is kept and retried), by table.");

    public static readonly Counter<long> Retries = Meter.CreateCounter<long>(
        "streaming.sink.insert.retries", "{insert}", "Inserts of a batch that had failed before, whatever their outcome, by table.");
}
