using System.ComponentModel.DataAnnotations;

namespace Streaming.Metrics.Ledger;

/// <summary>Section "Ledger": when the reconciler checks closed minutes against events_raw and repairs them.</summary>
public sealed class LedgerOptions : IValidatableObject
{
    public const string Section = "Ledger";

    /// <summary>Off: the sink runs no reconciler (the ledger table and views stay, unchanged).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>A minute is first checked this long after it ends: its results and raw events have had time to land.</summary>
    public TimeSpan CheckDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Time between passes; late events for a checked minute are picked up by the next one.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The promise the two above must keep: a gap is repaired within this long after its minute ends (or after a late event).</summary>
    public TimeSpan RepairWithin { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How far back minutes are tracked: ingest accepts events up to 7 days old, plus a day of margin.</summary>
    public TimeSpan LookBack { get; set; } = TimeSpan.FromDays(8);

    /// <summary>Minutes checked per query (each metric's two queries read this many minutes at once).</summary>
    [Range(1, 240)]
    public int MinutesPerQuery { get; set; } = 30;

    /// <summary>At most this many minutes per pass, so a first run over a long history catches up in steps.</summary>
    [Range(1, 100_000)]
    public int MaxMinutesPerPass { get; set; } = 600;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Interval < TimeSpan.FromSeconds(1))
        {
            yield return new ValidationResult("Interval must be at least 1 s.", [nameof(Interval)]);
        }

        if (CheckDelay < TimeSpan.Zero)
        {
            yield return new ValidationResult("CheckDelay must not be negative.", [nameof(CheckDelay)]);
        }

        if (CheckDelay + Interval + Interval > RepairWithin)
        {
            yield return new ValidationResult(
                $"CheckDelay + 2 × Interval ({CheckDelay + Interval + Interval}) must not exceed RepairWithin ({RepairWithin}): a pass may start just before a minute is due and take up to one interval.",
                [nameof(CheckDelay), nameof(Interval), nameof(RepairWithin)]);
        }

        if (LookBack < TimeSpan.FromHours(1) || LookBack > TimeSpan.FromDays(400))
        {
            yield return new ValidationResult("LookBack must be between 1 hour and 400 days.", [nameof(LookBack)]);
        }
    }
}
