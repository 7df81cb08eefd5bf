using BenchmarkDotNet.Running;
using Streaming.Benchmarks;
using Streaming.Benchmarks.Load;

// `kafka-cpu` (and its `kafka-broker` child), `freshness`, `rebalance`, `ledger` and `load` (and its `load-fleet` child) are
// plain programs; everything else goes to BenchmarkDotNet.
return args.FirstOrDefault() switch
{
    "kafka-cpu" => await KafkaCpuBenchmark.RunAsync(args),
    "kafka-broker" => KafkaCpuBenchmark.RunBroker(),
    "freshness" => await FreshnessBenchmark.RunAsync(args),
    "rebalance" => RebalanceBenchmark.Run(args),
    "load" => await LoadBenchmark.RunAsync(args),
    "load-fleet" => await FleetHost.RunAsync(),
    "ledger" => await LedgerBenchmark.RunAsync(args),
    _ => Run(args),
};

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(WindowEngineBenchmarks).Assembly).Run(args);
    return 0;
}
