namespace Streaming.PushTrigger.Decisions;

/// <summary>
/// Quiet hours in a user's local time, e.g. 21:00-08:00 (across midnight) or 13:00-15:00. Start == end: none.
/// </summary>
public sealed record QuietHours(TimeSpan Start, TimeSpan End)
{
    /// <summary>When a push decided at <paramref name="now"/> may go out for a user at <paramref name="offset"/>: now, or when quiet hours end.</summary>
    public DateTimeOffset SendAt(DateTimeOffset now, TimeSpan offset)
    {
        var local = now.ToOffset(offset);
        var time = local.TimeOfDay;
        var quiet = Start < End ? time >= Start && time < End : Start > End && (time >= Start || time < End);
        if (!quiet)
        {
            return now;
        }

        var endToday = new DateTimeOffset(local.Date + End, offset);
        return (time < End ? endToday : endToday.AddDays(1)).ToUniversalTime();
    }
}
