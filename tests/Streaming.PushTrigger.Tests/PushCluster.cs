using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using Streaming.PushTrigger.Decisions;
using Streaming.PushTrigger.Feeds;
using Streaming.PushTrigger.Silo;

namespace Streaming.PushTrigger.Tests;

/// <summary>
/// An in-process Orleans cluster (one silo) running the push grains with memory storage and reminders, the default
/// rules, a recording decision sink and a fake push clock (Orleans' own time stays real). Tests use ids of their own.
/// </summary>
public sealed class PushCluster : IAsyncLifetime
{
    /// <summary>10:00 UTC: outside quiet hours for a user in UTC.</summary>
    public static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
    public static readonly RecordingDecisionSink Decisions = new();

    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    public async Task DeactivateAllAsync() =>
        await Cluster.GrainFactory.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddMemoryGrainStorage(PushStorage.Name);
            silo.UseInMemoryReminderService();
            silo.Services.AddPushRules();
            silo.Services.AddSingleton<IPushDecisionSink>(Decisions);
            silo.Services.AddKeyedSingleton<TimeProvider>(PushClock.Key, Clock);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PushClusterCollection : ICollectionFixture<PushCluster>
{
    public const string Name = "push cluster";
}
