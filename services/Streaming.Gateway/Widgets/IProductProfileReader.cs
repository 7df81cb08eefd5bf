using Streaming.Profiles.Contracts;

namespace Streaming.Gateway.Widgets;

/// <summary>Reads a product's live profile (from its grain in the gateway; substituted in tests).</summary>
public interface IProductProfileReader
{
    /// <summary>The profile; <see cref="ProfilesUnavailableException"/> when the profile silos cannot answer.</summary>
    Task<ProductProfile> ReadAsync(string productId, CancellationToken cancellationToken);
}

/// <summary>The profile silos are not reachable (not configured, none up yet, or the call timed out).</summary>
public sealed class ProfilesUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Orleans:Redis is not configured: the gateway serves everything else, and live profiles answer 503.</summary>
public sealed class UnconfiguredProfileReader : IProductProfileReader
{
    public Task<ProductProfile> ReadAsync(string productId, CancellationToken cancellationToken) =>
        Task.FromException<ProductProfile>(new ProfilesUnavailableException("Live profiles are not configured on this gateway (Orleans:Redis)."));
}
