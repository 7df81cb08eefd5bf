using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Streaming.Events;

namespace Streaming.Benchmarks;

/// <summary>Reading one event from its JSON bytes, as every topology does per record: what that costs per event.</summary>
[MemoryDiagnoser]
public class EventDecodeBenchmarks
{
    private byte[][] records = [];
    private int next;

    [GlobalSetup]
    public void Setup()
    {
        var at = new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
        records = [.. Enumerable.Range(0, 1024).Select(i => JsonSerializer.SerializeToUtf8Bytes(
            new AppEvent("b" + i.ToString(CultureInfo.InvariantCulture), EventTypes.ProductView, "u" + i.ToString(CultureInfo.InvariantCulture), "s-u" + i.ToString(CultureInfo.InvariantCulture),
                "p" + (i % 100).ToString(CultureInfo.InvariantCulture), at.AddMilliseconds(i), "ios", "KR", "Seoul", null, null, at.AddMilliseconds(i + 5), "tour"),
            EventJsonContext.Default.AppEvent))];
    }

    [Benchmark(Baseline = true)]
    public AppEvent? SourceGenerated() => JsonSerializer.Deserialize(records[next++ & 1023], EventJsonContext.Default.AppEvent);

    [Benchmark]
    public AppEvent? HandWritten() => AppEventReader.TryRead(records[next++ & 1023], out var e, out _) ? e : null;
}
