using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Streaming.Kafka;
using Streaming.Kafka.Telemetry;
using Streaming.Topology.Status;

namespace Streaming.Topology.Kafka;

public static class TopologyHostingExtensions
{
    /// <summary>
    /// Runs a windowed topology in this process: its repartition stage (if any) and its windowing stage, each a consumer
    /// loop with its own group. Several instances of the process share the partitions. Needs <see cref="KafkaClients"/>,
    /// <see cref="TopologyRuntimeOptions"/> (as options) and a <see cref="TimeProvider"/>.
    /// </summary>
    public static IServiceCollection AddWindowedTopology<TEvent, TKey, TValue>(
        this IServiceCollection services, Func<IServiceProvider, WindowedTopology<TEvent, TKey, TValue>> define)
        where TEvent : class
        where TKey : notnull
    {
        // The definition is a pure function of configuration, so each stage builds its own copy.
        services.TryAddSingleton<TaskStatusBoard>();
        services.AddSingleton<IHostedService>(sp =>
        {
            var topology = define(sp);
            return new WindowedTopologyService<TEvent, TKey, TValue>(
                topology, sp.GetRequiredService<KafkaClients>(), sp.GetRequiredService<IOptions<TopologyRuntimeOptions>>().Value,
                sp.GetRequiredService<TaskStatusBoard>(), sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<WindowedTopologyService<TEvent, TKey, TValue>>>(), sp.GetRequiredService<IHostApplicationLifetime>());
        });
        services.AddSingleton<IHostedService>(sp =>
        {
            var topology = define(sp);
            return topology.Source.Repartition is null
                ? new NoRepartitionStage()
                : new RepartitionService<TEvent>(
                    topology.Source, sp.GetRequiredService<KafkaClients>(), sp.GetRequiredService<IOptions<TopologyRuntimeOptions>>().Value,
                    sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RepartitionService<TEvent>>>(),
                    sp.GetRequiredService<IHostApplicationLifetime>());
        });
        return services;
    }

    /// <summary>
    /// Runs a repartition-only topology in this process: one consumer loop (group: its name with "-repartition") that
    /// re-keys its source into the repartition topic. Several instances of the process share the partitions. Needs
    /// <see cref="KafkaClients"/>, <see cref="TopologyRuntimeOptions"/> (as options) and a <see cref="TimeProvider"/>.
    /// <paramref name="live"/>: its output feeds live subscribers, so it fetches with <see cref="KafkaOptions.LiveFetchWaitMaxMs"/>.
    /// </summary>
    public static IServiceCollection AddRepartitionTopology<TEvent>(
        this IServiceCollection services, Func<IServiceProvider, RepartitionTopology<TEvent>> define, bool live = false)
        where TEvent : class =>
        services.AddSingleton<IHostedService>(sp => new RepartitionService<TEvent>(
            define(sp).Source, sp.GetRequiredService<KafkaClients>(), sp.GetRequiredService<IOptions<TopologyRuntimeOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RepartitionService<TEvent>>>(),
            sp.GetRequiredService<IHostApplicationLifetime>(), live));

    /// <summary>
    /// Maps GET <paramref name="pattern"/> to the counters of this instance's windowing tasks, as JSON: per task
    /// (topology, input topic, partition) records read, corrections, sent to the late topic, duplicates dropped,
    /// unreadable records, open windows, watermark and watermark lag, as of its last checkpoint; and the dead letters of
    /// every stage of the process by stage and reason class (<c>dead_letters</c>).
    /// </summary>
    public static IEndpointConventionBuilder MapTopologyStatus(this IEndpointRouteBuilder endpoints, string pattern) =>
        endpoints.MapGet(pattern, (HttpContext http) =>
            Results.Json(http.RequestServices.GetService<TaskStatusBoard>()?.Snapshot() ?? new TopologyStatus([], StageCounters.DeadLetterCounts()), StatusJsonContext.Default.TopologyStatus));

    /// <summary>Stands in for the repartition stage of a topology that reads its source directly.</summary>
    private sealed class NoRepartitionStage : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
