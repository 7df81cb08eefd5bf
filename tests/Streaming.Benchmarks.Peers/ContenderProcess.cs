using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Streaming.Benchmarks.Load;
using Streaming.Kafka;
using Streaming.Metrics;

namespace Streaming.Benchmarks.Peers;

/// <summary>What runs in a contender's process.</summary>
internal enum ContenderKind
{
    /// <summary>The baseline: consume and commit, nothing else (<see cref="PlainLoop"/>).</summary>
    Plain,

    /// <summary>The fleet's bookings topology on our runtime, hosted as the aggregator hosts it.</summary>
    Ours,

    /// <summary>The same computation in Streamiz.Kafka.Net (<see cref="StreamizBookings"/>).</summary>
    Streamiz,
}

/// <summary>
/// A contender in a child process of its own, so that it can be killed with SIGKILL and its CPU read apart from the
/// local Kafka's and the input's. The child reads commands on its standard input: "start PREFIX" runs the contender
/// on that topic prefix (answering "started"), "stop" disposes it ("stopped"); it exits when its input closes.
/// </summary>
internal sealed class ContenderProcess : IDisposable
{
    /// <summary>The metric options of our contender: the aggregator's defaults, with the benchmark's group prefix.</summary>
    public static readonly MetricOptions Metrics = new() { GroupPrefix = "bench" };

    private readonly Process process;

    private ContenderProcess(Process process) => this.process = process;

    public int Id => process.Id;

    /// <summary>User plus system CPU time of the child so far.</summary>
    public TimeSpan Cpu => ProcessCpu.TreeCpu([process.Id])[process.Id];

    public static ContenderProcess Start(ContenderKind kind, string bootstrap, string stateDirectory)
    {
        var start = ChildProcess.StartInfo("contender", kind.ToString(), bootstrap, stateDirectory);
        (start.RedirectStandardInput, start.RedirectStandardOutput) = (true, true);
        return new ContenderProcess(Process.Start(start) ?? throw new InvalidOperationException("Could not start a contender process."));
    }

    /// <summary>The groups and topics a contender commits, in order (for <see cref="Contender.WaitUntilCommitted(KafkaOptions, IEnumerable{ValueTuple{string, string}}, double)"/>).</summary>
    public static (string Group, string Topic)[] Stages(ContenderKind kind, string prefix) => kind switch
    {
        ContenderKind.Plain => [("bench-plain", Topics.Events)],
        ContenderKind.Ours => [(Metrics.TopologyName("bookings"), Topics.Events)],
        _ => StreamizBookings.Stages(prefix),
    };

    public async Task BeginAsync(string prefix) => await SendAsync("start " + prefix, "started");

    public async Task EndAsync() => await SendAsync("stop", "stopped");

    /// <summary>SIGKILL: no shutdown, no last commit or checkpoint.</summary>
    public void Kill()
    {
        process.Kill();
        process.WaitForExit();
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.StandardInput.Close();
            process.WaitForExit();
        }

        process.Dispose();
    }

    /// <summary>The child: runs one contender at a time as the parent says.</summary>
    public static async Task<int> RunChildAsync(string[] args)
    {
        var (kind, bootstrap, stateDirectory) = (Enum.Parse<ContenderKind>(args[1]), args[2], args[3]);
        Contender? running = null;
        while (await Console.In.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("start ", StringComparison.Ordinal))
            {
                var kafka = new KafkaOptions { BootstrapServers = bootstrap, TopicPrefix = line["start ".Length..] };
                running = kind switch
                {
                    ContenderKind.Plain => PlainLoop.Start(kafka),
                    ContenderKind.Ours => TopologyHost.Start(kafka, services =>
                    {
                        services.AddSingleton(Options.Create(Metrics));
                        MetricCatalog.Metrics.Single(m => m.Name == "bookings").AddTopology(services);
                    }, Stages(kind, kafka.TopicPrefix)),
                    _ => StreamizBookings.Start(kafka, Metrics.Grace, Path.Combine(stateDirectory, kafka.TopicPrefix)),
                };
                Console.WriteLine("started");
            }
            else if (line == "stop")
            {
                running?.Dispose();
                running = null;
                Console.WriteLine("stopped");
            }
        }

        running?.Dispose();
        return 0;
    }

    private async Task SendAsync(string command, string answer)
    {
        await process.StandardInput.WriteLineAsync(command);
        await process.StandardInput.FlushAsync();
        // Lines other than the answer are the contender's own output.
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line == answer)
            {
                return;
            }
        }

        throw new InvalidOperationException($"The contender process ended before answering '{command}'.");
    }
}
