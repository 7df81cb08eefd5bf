namespace Streaming.Profiles.Contracts;

/// <summary>
/// How the gateway reads profiles: a product the silos have stored (or hold active) is read from its
/// <see cref="IProductProfileGrain"/>; any other id answers <see cref="ProductProfile.Empty"/> without activating a
/// grain, so that made-up ids cost a storage read, not an activation. A stateless worker: key 0, on the silo the
/// client calls.
/// </summary>
public interface IProductProfileLookupGrain : IGrainWithIntegerKey
{
    Task<ProductProfile> GetProfileAsync(string productId);
}
