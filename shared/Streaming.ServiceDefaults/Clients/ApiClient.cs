using System.Collections.Frozen;

namespace Streaming.ServiceDefaults.Clients;

/// <summary>A configured client as the fleet uses it: its name, its scopes, and its two quota buckets.</summary>
public sealed class ApiClient(string name, IEnumerable<string> scopes, ClientQuotaOptions quota, TimeProvider clock)
{
    public string Name { get; } = name;

    public FrozenSet<string> Scopes { get; } = scopes.ToFrozenSet(StringComparer.Ordinal);

    public ClientQuotaOptions Quota { get; } = quota;

    /// <summary>Requests of any kind this client sends to a scoped endpoint.</summary>
    public TokenBucket Requests { get; } = new(quota.RequestsPerMinute / 60, quota.RequestsBurst, clock);

    /// <summary>Events this client posts to ingest.</summary>
    public TokenBucket Events { get; } = new(quota.EventsPerSecond, quota.EventsBurst, clock);

    public bool Has(string scope) => Scopes.Contains(scope);
}
