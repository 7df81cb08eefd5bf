using System.ComponentModel.DataAnnotations;

namespace Streaming.Gateway.Pushes;

/// <summary>Section "PushesApi": the support endpoint that lists a user's push decisions (it needs a client with the support scope).</summary>
public sealed class PushesApiOptions : IValidatableObject
{
    public const string Section = "PushesApi";

    /// <summary>Decisions listed when the request names no <c>limit</c>.</summary>
    [Range(1, 1000)]
    public int DefaultLimit { get; set; } = 50;

    /// <summary>The largest <c>limit</c> a request may name.</summary>
    [Range(1, 10_000)]
    public int MaxLimit { get; set; } = 500;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DefaultLimit > MaxLimit)
        {
            yield return new ValidationResult("DefaultLimit must not exceed MaxLimit.", [nameof(DefaultLimit)]);
        }
    }
}
