using System.ComponentModel.DataAnnotations;

namespace Streaming.Ingest;

/// <summary>Section "Ingest". Who may post is section "Clients" (scope ingest).</summary>
public sealed class IngestOptions
{
    public const string Section = "Ingest";
    public const int HardMaxBodyBytes = 16 * 1024 * 1024;

    [Range(1024, HardMaxBodyBytes)]
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    [Range(1, 10000)]
    public int MaxEventsPerRequest { get; set; } = 1000;
}
