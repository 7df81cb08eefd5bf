using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Streaming.Benchmarks.WindowEngineBenchmarks).Assembly).Run(args);
