using Streaming.Benchmarks;
using Streaming.Benchmarks.Peers;

// `./run bench peers`: the parent; `kafka-broker` (the local Kafka) and `contender` are its child processes.
return args.FirstOrDefault() switch
{
    "kafka-broker" => KafkaCpuBenchmark.RunBroker(),
    "contender" => await ContenderProcess.RunChildAsync(args),
    _ => await PeersBenchmark.RunAsync(args),
};
