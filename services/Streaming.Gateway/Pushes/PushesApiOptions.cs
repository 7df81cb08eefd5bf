using System.ComponentModel.DataAnnotations;

namespace Streaming.Gateway.Pushes;

/// <summary>Section "PushesApi": the support endpoint that lists a user's push decisions.</summary>
public sealed class PushesApiOptions : IValidatableObject
{
    public const string Section = "PushesApi";

    /// <summary>Keys for GET /v1/users/{user_id}/pushes (X-Api-Key). None: every request is refused with 401.</summary>
    public string[] ApiKeys { get; set; } = [];

    /// <summary>Decisions listed when the request names no <c>limit</c>.</summary>
    [Range(1, 1000)]
    public int DefaultLimit { get; set; } = 50;

    /// <summary>The largest <c>limit</c> a request may name.</summary>
    [Range(1, 10_000)]
    public int MaxLimit { get; set; } = 500;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ApiKeys.Any(k => k.Length < 16))
        {
            yield return new ValidationResult("Every key in ApiKeys must be at least 16 characters long.", [nameof(ApiKeys)]);
        }

        if (DefaultLimit > MaxLimit)
        {
            yield return new ValidationResult("DefaultLimit must not exceed MaxLimit.", [nameof(DefaultLimit)]);
        }
    }
}
