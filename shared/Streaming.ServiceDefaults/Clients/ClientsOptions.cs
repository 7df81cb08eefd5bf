using System.ComponentModel.DataAnnotations;

namespace Streaming.ServiceDefaults.Clients;

/// <summary>
/// Section "Clients": the callers the fleet knows, by name (<c>Clients__&lt;name&gt;__…</c>). A key belongs to one
/// client; a client may hold several keys at once (rotation) and has the scopes that say what its keys may call.
/// </summary>
public sealed class ClientsOptions
{
    public const string Section = "Clients";

    /// <summary>Clients by name; names are case-insensitive like configuration keys.</summary>
    public Dictionary<string, ClientOptions> Clients { get; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One named client: <c>Clients__&lt;name&gt;__Keys__N</c>, <c>__Scopes__N</c>, <c>__Quota__…</c>.</summary>
public sealed class ClientOptions
{
    /// <summary>Keys valid at once, each in plain text (at least 32 characters) or as <c>sha256:&lt;64 hex digits&gt;</c>.</summary>
    public List<string> Keys { get; set; } = [];

    /// <summary>What the keys may call: <see cref="ApiScopes"/>.</summary>
    public List<string> Scopes { get; set; } = [];

    public ClientQuotaOptions Quota { get; set; } = new();
}

/// <summary>A client's budget on ingest: two token buckets, refilled continuously, each holding at most its burst.</summary>
public sealed class ClientQuotaOptions
{
    [Range(0.001, 10_000_000)]
    public double EventsPerSecond { get; set; } = 1_000;

    /// <summary>Events the client may send at once after a quiet spell; at least one full request's worth.</summary>
    [Range(1, 100_000_000)]
    public int EventsBurst { get; set; } = 10_000;

    [Range(0.001, 100_000_000)]
    public double RequestsPerMinute { get; set; } = 6_000;

    [Range(1, 10_000_000)]
    public int RequestsBurst { get; set; } = 600;
}

/// <summary>The scopes a client may hold; each protected endpoint requires one.</summary>
public static class ApiScopes
{
    /// <summary>POST /v1/events on ingest (the apps' key, and the back end's).</summary>
    public const string Ingest = "ingest";

    /// <summary>GET /v1/users/{user_id}/pushes on the gateway (support staff).</summary>
    public const string Support = "support";

    /// <summary>POST /v1/ledger/recheck on the gateway, and future admin calls (operators).</summary>
    public const string Operator = "operator";

    public static readonly IReadOnlyList<string> All = [Ingest, Support, Operator];
}
