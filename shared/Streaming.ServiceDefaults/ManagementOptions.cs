using System.ComponentModel.DataAnnotations;

namespace Streaming.ServiceDefaults;

/// <summary>Section "Management": where /healthz, /readyz and /metrics are served.</summary>
public sealed class ManagementOptions
{
    public const string Section = "Management";

    /// <summary>
    /// The local port that alone serves the management endpoints, and serves nothing else; the service must listen on it
    /// too (ASPNETCORE_URLS). Null: they are served on every port, beside the API (the dev host and the tests).
    /// </summary>
    [Range(1, 65535, ErrorMessage = "Management:Port must be a TCP port, 1 to 65535")]
    public int? Port { get; set; }
}
