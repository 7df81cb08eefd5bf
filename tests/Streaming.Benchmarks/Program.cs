using BenchmarkDotNet.Running;
using Streaming.Benchmarks;
using Streaming.Benchmarks.Load;
using Streaming.Benchmarks.Push;
using Streaming.Benchmarks.Widgets;

// `kafka-cpu` (and its `kafka-broker` child), `profiles-cpu`, `freshness`, `rebalance`, `ledger`, `load` (and its `load-fleet` child),
// `live`, `sse-fanout`, `push-cpu` and `push-latency` are plain programs; everything else goes to BenchmarkDotNet.
return args.FirstOrDefault() switch
{
    "kafka-cpu" => await KafkaCpuBenchmark.RunAsync(args),
    "kafka-broker" => KafkaCpuBenchmark.RunBroker(),
    "profiles-cpu" => await ProfilesCpuBenchmark.RunAsync(args),
    "freshness" => await FreshnessBenchmark.RunAsync(args),
    "rebalance" => RebalanceBenchmark.Run(args),
    "load" => await LoadBenchmark.RunAsync(args),
    "load-fleet" => await FleetHost.RunAsync(args),
    "live" => await WidgetApiBenchmark.RunLiveAsync(args),
    "sse-fanout" => await WidgetApiBenchmark.RunSseFanOutAsync(args),
    "ledger" => await LedgerBenchmark.RunAsync(args),
    "push-cpu" => await PushCpuBenchmark.RunAsync(args),
    "push-latency" => await PushLatencyBenchmark.RunAsync(args),
    _ => Run(args),
};

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(WindowEngineBenchmarks).Assembly).Run(args);
    return 0;
}
