namespace Streaming.Profiles.Contracts;

/// <summary>The live profile of one product (grain key = product id). The write side lives in the silo only.</summary>
public interface IProductProfileGrain : IGrainWithStringKey
{
    /// <summary>The profile relative to the silo's "now", from the activation's memory (storage is read on activation).</summary>
    Task<ProductProfile> GetProfileAsync();
}
