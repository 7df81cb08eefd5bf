using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Streaming.ServiceDefaults.Clients;

/// <summary>The configured clients, found by a presented key's SHA-256 digest; configured keys are kept only as digests.</summary>
public sealed class ApiClients
{
    private readonly (byte[] Digest, ApiClient Client)[] keys;

    public ApiClients(IOptions<ClientsOptions> options, TimeProvider clock)
    {
        var clients = options.Value.Clients.Select(c => (Settings: c.Value, Client: new ApiClient(c.Key, c.Value.Scopes, c.Value.Quota, clock))).ToList();
        All = [.. clients.Select(c => c.Client)];
        keys = [.. clients.SelectMany(c => c.Settings.Keys.Select(k => (ApiKeyRules.ConfiguredDigest(k), c.Client)))];
    }

    public IReadOnlyList<ApiClient> All { get; }

    /// <summary>
    /// The client holding <paramref name="presented"/>, or null. Digests have one length, so comparing them in constant
    /// time covers the key's length too; every configured key is compared, so the time says nothing about which matched.
    /// </summary>
    public ApiClient? Find(ReadOnlySpan<char> presented)
    {
        Span<byte> digest = stackalloc byte[ApiKeyRules.DigestBytes];
        ApiKeyRules.PresentedDigest(presented, digest);
        ApiClient? found = null;
        foreach (var (configured, client) in keys)
        {
            if (CryptographicOperations.FixedTimeEquals(configured, digest))
            {
                found = client;
            }
        }

        return found;
    }
}
