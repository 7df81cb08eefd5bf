using Orleans.Concurrency;
using Orleans.Storage;
using Streaming.Profiles.Contracts;
using Streaming.Profiles.Status;

namespace Streaming.Profiles.Profiles;

/// <summary>
/// Reads a profile without activating a grain for an id the fleet has never stored (see
/// <see cref="IProductProfileLookupGrain"/>). A product whose first events are applied but not yet written (until the
/// consumer's next barrier) on another silo answers zeros for that long; the gateway asks its grain directly once it has
/// seen a change of the product on profile-changes, which comes first.
/// </summary>
[StatelessWorker]
public sealed class ProductProfileLookupGrain(
    [FromKeyedServices(ProfilesStorage.Name)] IGrainStorage storage,
    KnownProducts known,
    ProfilesStatus status) : Grain, IProductProfileLookupGrain
{
    public async Task<ProductProfile> GetProfileAsync(string productId)
    {
        var grain = GrainFactory.GetGrain<IProductProfileGrain>(productId);
        if (!known.Contains(productId))
        {
            // The state the grain would read on activation; an empty read tells no record exists (nothing is written).
            var stored = new GrainState<ProfileState>(new ProfileState());
            await storage.ReadStateAsync(ProductProfileGrain.StateName, grain.GetGrainId(), stored);
            if (!stored.RecordExists)
            {
                status.AnsweredUnknown();
                return ProductProfile.Empty(productId);
            }

            known.Add(productId);
        }

        return await grain.GetProfileAsync();
    }
}
