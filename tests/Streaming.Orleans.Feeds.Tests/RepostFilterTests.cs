using Streaming.Reposts;

namespace Streaming.Orleans.Feeds.Tests;

public sealed class RepostFilterTests
{
    private static readonly TimeSpan Horizon = TimeSpan.FromHours(1);
    private static readonly long T0 = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private static readonly EventIdentity A = new(EventIdentity.IdOf("u1", "ev-a"), 1);
    private static readonly EventIdentity B = new(EventIdentity.IdOf("u1", "ev-b"), 2);

    [Fact]
    public void The_first_copy_counts_and_a_later_copy_is_a_repost()
    {
        var filter = new RepostFilter(Horizon);

        Assert.Equal(RepostVerdict.Count, filter.Check(10, T0, A));
        Assert.Equal(RepostVerdict.Count, filter.Check(11, T0, B));
        Assert.Equal(RepostVerdict.Repost, filter.Check(12, T0 + 5_000, A));
        Assert.Equal(RepostVerdict.Changed, filter.Check(13, T0 + 6_000, A with { Content = 99 }));
        // The changed copy did not replace the first: a copy of the first is still a plain re-post.
        Assert.Equal(RepostVerdict.Repost, filter.Check(14, T0 + 7_000, A));
    }

    [Fact]
    public void A_record_read_again_after_a_rewind_gets_its_first_verdict()
    {
        var filter = new RepostFilter(Horizon);
        Assert.Equal(RepostVerdict.Count, filter.Check(10, T0, A));
        Assert.Equal(RepostVerdict.Repost, filter.Check(11, T0, A));
        Assert.Equal(RepostVerdict.Count, filter.Check(12, T0, B));

        // The grain call failed: the partition is read again from 10. The first copy must pass again (or it would be
        // lost: its grain had not written it), the copy must not (it was reported already).
        Assert.Equal(RepostVerdict.Count, filter.Check(10, T0, A));
        Assert.Equal(RepostVerdict.DroppedBefore, filter.Check(11, T0, A));
        Assert.Equal(RepostVerdict.Count, filter.Check(12, T0, B));
        Assert.Equal(RepostVerdict.Repost, filter.Check(13, T0, B));
    }

    [Fact]
    public void A_stored_offset_keeps_the_verdicts_at_and_after_it()
    {
        var filter = new RepostFilter(Horizon);
        filter.Check(10, T0, A);
        filter.Check(11, T0, A);
        filter.Check(12, T0, B);
        filter.Check(13, T0, B);

        filter.Stored(12);

        Assert.Equal(RepostVerdict.Count, filter.Check(12, T0, B));
        Assert.Equal(RepostVerdict.DroppedBefore, filter.Check(13, T0, B));
    }

    [Fact]
    public void A_copy_counts_again_once_the_partition_time_is_the_horizon_past_its_latest_copy()
    {
        var hour = (long)Horizon.TotalMilliseconds;
        var filter = new RepostFilter(Horizon);
        Assert.Equal(RepostVerdict.Count, filter.Check(1, T0, A));
        filter.Check(2, T0 + hour - 1_000, B); // the partition's newest event: 59:59 later

        Assert.Equal(RepostVerdict.Repost, filter.Check(3, T0, A));

        // Remembered from that copy on: 59:58 later still a re-post, a full hour after the latest copy not any more.
        filter.Check(4, T0 + (2 * hour) - 2_000, B);
        Assert.Equal(RepostVerdict.Repost, filter.Check(5, T0, A));
        filter.Check(6, T0 + (3 * hour) - 2_000, B);
        Assert.Equal(RepostVerdict.Count, filter.Check(7, T0, A));
    }

    [Fact]
    public void A_late_event_is_remembered_from_when_it_was_read_not_from_when_it_happened()
    {
        var filter = new RepostFilter(Horizon);
        filter.Check(1, T0, B);
        // Two hours late: its own time is far behind the partition's.
        Assert.Equal(RepostVerdict.Count, filter.Check(2, T0 - (2 * 3_600_000), A));

        Assert.Equal(RepostVerdict.Repost, filter.Check(3, T0 - (2 * 3_600_000), A));
    }

    /// <summary>
    /// What <see cref="RepostHistory"/> relies on: a filter that reads a partition only from its first record at or past
    /// (the resuming record's time − horizon) drops and counts every later record as the filter that read it all did.
    /// (Whether a dropped copy is called changed can differ: the content compared with is the first copy's that the
    /// filter remembers, and an event whose copies keep coming for longer than the horizon was first read before.)
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Reading_back_from_the_horizon_drops_and_counts_as_reading_everything(int seed)
    {
        var random = new Random(seed);
        var records = new List<(long Timestamp, EventIdentity Identity)>();
        var time = T0;
        for (var i = 0; i < 20_000; i++)
        {
            // Time moves on by up to 2 s a record; some events are late (up to 3 hours); a tenth are re-posts of an
            // event up to 5,000 records back, a few of them with other content.
            time += random.Next(2_000);
            var late = random.Next(20) == 0 ? random.Next(3 * 3_600_000) : 0;
            var identity = i > 0 && random.Next(10) == 0
                ? records[Math.Max(0, i - 1 - random.Next(5_000))].Identity
                : new EventIdentity(EventIdentity.IdOf("u" + random.Next(1_000), "ev-" + i), (uint)random.Next(3));
            records.Add((time - late, random.Next(50) == 0 ? identity with { Content = 7 } : identity));
        }

        var everything = new RepostFilter(Horizon);
        var all = records.Select((r, offset) => everything.Check(offset, r.Timestamp, r.Identity)).ToList();
        Assert.Contains(RepostVerdict.Repost, all);
        Assert.Contains(RepostVerdict.Changed, all);

        var partial = 0;
        foreach (var resumeAt in new[] { 6_000, 12_000, 18_000 })
        {
            var since = records[resumeAt].Timestamp - (long)Horizon.TotalMilliseconds;
            var from = records.FindIndex(r => r.Timestamp >= since); // what OffsetsForTimes answers
            partial += from > 0 ? 1 : 0;
            var readBack = new RepostFilter(Horizon);
            for (var offset = from; offset < resumeAt; offset++)
            {
                readBack.Check(offset, records[offset].Timestamp, records[offset].Identity);
            }

            readBack.Stored(resumeAt);
            var wrong = Enumerable.Range(resumeAt, records.Count - resumeAt)
                .Select(offset => (Offset: offset, Verdict: readBack.Check(offset, records[offset].Timestamp, records[offset].Identity)))
                .Where(v => (v.Verdict == RepostVerdict.Count) != (all[v.Offset] == RepostVerdict.Count))
                .ToList();
            Assert.True(wrong.Count == 0, $"resuming at {resumeAt}: {wrong.Count} verdicts differ: {string.Join(", ", wrong.Select(w => $"{w.Offset} {w.Verdict} not {all[w.Offset]}"))}");

            // And reading back too little shows: the check can fail.
            var tooLittle = new RepostFilter(Horizon);
            var differ = Enumerable.Range(resumeAt, records.Count - resumeAt)
                .Count(offset => (tooLittle.Check(offset, records[offset].Timestamp, records[offset].Identity) == RepostVerdict.Count) != (all[offset] == RepostVerdict.Count));
            Assert.True(differ > 0);
        }

        Assert.True(partial > 0, "the test reads back only part of the partition");
    }
}
