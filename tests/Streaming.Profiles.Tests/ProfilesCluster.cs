using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using Streaming.Profiles.Profiles;
using Streaming.Profiles.Status;

namespace Streaming.Profiles.Tests;

/// <summary>
/// An in-process Orleans cluster (one silo) running the profile grain with memory storage, a recording change sink
/// and a fake profiles clock. Orleans' own time stays real. Tests use product ids of their own.
/// </summary>
public sealed class ProfilesCluster : IAsyncLifetime
{
    public static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    public static readonly RecordingChangeSink Changes = new();

    public TestCluster Cluster { get; private set; } = null!;

    public IServiceProvider SiloServices => ((InProcessSiloHandle)Cluster.Primary!).SiloHost.Services;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddMemoryGrainStorage(ProfilesStorage.Name);
            silo.Services.AddOptions<ProfileOptions>();
            silo.Services.AddSingleton<IProfileChangeSink>(Changes);
            silo.Services.AddSingleton<ProfilesStatus>();
            silo.Services.AddSingleton<KnownProducts>();
            silo.Services.AddKeyedSingleton<TimeProvider>(ProfilesClock.Key, Clock);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ProfilesClusterCollection : ICollectionFixture<ProfilesCluster>
{
    public const string Name = "profiles cluster";
}
