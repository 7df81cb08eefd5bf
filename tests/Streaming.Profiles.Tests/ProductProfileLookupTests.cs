using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.Runtime;
using Streaming.Profiles.Contracts;
using Streaming.Profiles.Profiles;
using Streaming.Profiles.Status;

namespace Streaming.Profiles.Tests;

/// <summary>The gateway's read path: ids never stored answer zeros without an activation; real products their profile.</summary>
[Collection(ProfilesClusterCollection.Name)]
public sealed class ProductProfileLookupTests(ProfilesCluster fixture)
{
    private readonly Events events = new();

    private static DateTimeOffset Now => ProfilesCluster.Clock.GetUtcNow();

    private IProductProfileLookupGrain Lookup => fixture.Cluster.GrainFactory.GetGrain<IProductProfileLookupGrain>(0);

    [Fact]
    public async Task A_thousand_ids_never_stored_answer_zeros_and_activate_no_profile_grain()
    {
        var status = fixture.SiloServices.GetRequiredService<ProfilesStatus>();
        var activationsBefore = await ProfileActivationsAsync();
        var unknownBefore = status.UnknownProductsAnswered;
        var ids = Enumerable.Range(0, 1_000).Select(i => $"made-up-{Guid.NewGuid():N}-{i}").ToList();

        var profiles = await Task.WhenAll(ids.Select(id => Lookup.GetProfileAsync(id)));

        Assert.Equal(ids.Select(ProductProfile.Empty), profiles);
        Assert.Equal(activationsBefore, await ProfileActivationsAsync());
        Assert.Equal(1_000, status.UnknownProductsAnswered - unknownBefore);
    }

    [Fact]
    public async Task A_product_only_in_storage_is_activated_and_read_and_an_active_one_is_read_before_its_first_write()
    {
        // Stored by an earlier life of the silos: no activation, not among the known ids.
        var stored = "stored-" + Guid.NewGuid().ToString("N")[..8];
        var bookedAt = Now.AddDays(-3);
        var storage = fixture.SiloServices.GetRequiredKeyedService<IGrainStorage>(ProfilesStorage.Name);
        var grainId = fixture.Cluster.GrainFactory.GetGrain<IProductProfileGrain>(stored).GetGrainId();
        await storage.WriteStateAsync(
            ProductProfileGrain.StateName, grainId, new GrainState<ProfileState>(new ProfileState { LastBookedAt = bookedAt, LastBookedCity = "Busan", Version = 1 }));
        Assert.False(fixture.SiloServices.GetRequiredService<KnownProducts>().Contains(stored));
        var activationsBefore = await ProfileActivationsAsync();

        var profile = await Lookup.GetProfileAsync(stored);

        Assert.Equal((bookedAt, "Busan"), (profile.LastBookedAt, profile.LastBookedCity));
        Assert.Equal(activationsBefore + 1, await ProfileActivationsAsync());
        Assert.True(fixture.SiloServices.GetRequiredService<KnownProducts>().Contains(stored));

        // Fed by the consumer, not written yet: known from its activation.
        var fresh = "fresh-" + Guid.NewGuid().ToString("N")[..8];
        await fixture.Cluster.GrainFactory.GetGrain<IProductProfileWriter>(fresh).ApplyAsync(new([events.View(Now)]));
        Assert.Equal(1, (await Lookup.GetProfileAsync(fresh)).ViewsLast5m);
    }

    private async Task<int> ProfileActivationsAsync()
    {
        var management = fixture.Cluster.GrainFactory.GetGrain<IManagementGrain>(0);
        var statistics = await management.GetSimpleGrainStatistics();
        return statistics.Where(s => s.GrainType.Contains(nameof(ProductProfileGrain), StringComparison.Ordinal)).Sum(s => s.ActivationCount);
    }
}
