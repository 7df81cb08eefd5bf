using BenchmarkDotNet.Running;
using Streaming.Benchmarks;

// `kafka-cpu` (and its `kafka-broker` child), `freshness` and `rebalance` are plain programs; everything else goes to BenchmarkDotNet.
return args.FirstOrDefault() switch
{
    "kafka-cpu" => await KafkaCpuBenchmark.RunAsync(args),
    "kafka-broker" => KafkaCpuBenchmark.RunBroker(),
    "freshness" => await FreshnessBenchmark.RunAsync(args),
    "rebalance" => RebalanceBenchmark.Run(args),
    _ => Run(args),
};

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(WindowEngineBenchmarks).Assembly).Run(args);
    return 0;
}
