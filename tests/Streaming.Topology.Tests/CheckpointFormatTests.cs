using System.Text;
using Streaming.Metrics.Popularity;

namespace Streaming.Topology.Tests;

/// <summary>The checkpoint layout the runtime writes around the topology's key and value JSON.</summary>
public sealed class CheckpointFormatTests
{
    /// <summary>Written by the previous runtime (generic JSON of its checkpoint records) for the popularity topology.</summary>
    private const string Previous =
        """{"format":2,"next_offset":4,"source_offsets":{"0":3},"windows":{"watermark":"2026-11-22T10:01:05+00:00","open":[{"start":"2026-11-22T10:01:00+00:00","key":"p1","value":{"views":1,"wishlists":0,"bookings":0},"last_offset":2}],"closed":[{"start":"2026-11-22T10:00:00+00:00","key":"p1","value":{"views":1,"wishlists":0,"bookings":0},"revision":1},{"start":"2026-11-22T10:00:00+00:00","key":"p2","value":{"views":1,"wishlists":1,"bookings":0},"revision":4}],"records_in":4,"corrections":1,"too_late":0,"last_offset":3,"zeros_from":"2026-11-22T10:00:00+00:00"}}""";

    private static readonly CheckpointFormat<string, PopularityCounts> Format = new(PopularityCheckpointJson.Default.String, PopularityCheckpointJson.Default.PopularityCounts);

    [Fact]
    public void A_checkpoint_of_the_previous_runtime_reads_and_is_written_back_in_the_same_layout()
    {
        var checkpoint = Format.Read(Encoding.UTF8.GetBytes(Previous), "popularity/product-events/0");
        Assert.Equal((4L, 3L, 1, 2), (checkpoint.NextOffset, checkpoint.SourceOffsets[0], checkpoint.Windows.Open.Count, checkpoint.Windows.Closed.Count));

        // The window counter's name changed ("records_in" meant two things in the runtime); version 3 adds the segments
        // of remembered event identities (none in a version 2 checkpoint).
        Assert.Empty(checkpoint.EventIds.Live);
        var expected = Previous.Replace("\"records_in\"", "\"additions\"", StringComparison.Ordinal)
            .Replace("\"format\":2", "\"format\":3", StringComparison.Ordinal)
            .Replace("}}", "},\"event_ids\":{\"next_segment\":0,\"segments\":[]}}", StringComparison.Ordinal);
        var written = Format.Write(checkpoint);
        Assert.Equal(expected, Encoding.UTF8.GetString(written.State));
        Assert.Empty(written.NewSegments);
    }

    [Fact]
    public void A_checkpoint_of_another_layout_version_is_refused()
    {
        var other = Encoding.UTF8.GetBytes(Previous.Replace("\"format\":2", "\"format\":1", StringComparison.Ordinal));
        var error = Assert.Throws<InvalidOperationException>(() => Format.Read(other, "popularity/product-events/0"));
        Assert.Contains("format 1", error.Message, StringComparison.Ordinal);
    }
}
