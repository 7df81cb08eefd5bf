using System.ComponentModel.DataAnnotations;

namespace Streaming.Gateway.Ledger;

/// <summary>Section "LedgerApi": the gateway's ledger endpoints (a re-check needs a client with the operator scope).</summary>
public sealed class LedgerApiOptions
{
    public const string Section = "LedgerApi";

    /// <summary>The widest range GET /v1/ledger and a re-check may name (one row per minute and metric).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan MaxRange { get; set; } = TimeSpan.FromHours(24);
}
