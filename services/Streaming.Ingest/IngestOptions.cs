using System.ComponentModel.DataAnnotations;

namespace Streaming.Ingest;

/// <summary>Section "Ingest".</summary>
public sealed class IngestOptions
{
    public const string Section = "Ingest";
    public const int HardMaxBodyBytes = 16 * 1024 * 1024;

    /// <summary>Keys accepted in the X-Api-Key header. At least one is required: ingest is never open.</summary>
    [MinLength(1, ErrorMessage = "Ingest:ApiKeys needs at least one key (ingest is never open)")]
    public List<string> ApiKeys { get; set; } = [];

    [Range(1024, HardMaxBodyBytes)]
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    [Range(1, 10000)]
    public int MaxEventsPerRequest { get; set; } = 1000;
}
