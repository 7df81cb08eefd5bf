using System.ComponentModel.DataAnnotations;

namespace Streaming.Gateway.Ledger;

/// <summary>Section "LedgerApi": the gateway's ledger endpoints.</summary>
public sealed class LedgerApiOptions : IValidatableObject
{
    public const string Section = "LedgerApi";

    /// <summary>Keys for POST /v1/ledger/recheck (X-Api-Key). None: every re-check is refused with 401.</summary>
    public string[] ApiKeys { get; set; } = [];

    /// <summary>The widest range GET /v1/ledger and a re-check may name (one row per minute and metric).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan MaxRange { get; set; } = TimeSpan.FromHours(24);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ApiKeys.Any(k => k.Length < 16))
        {
            yield return new ValidationResult("Every key in ApiKeys must be at least 16 characters long.", [nameof(ApiKeys)]);
        }
    }
}
