using Confluent.Kafka;

namespace Streaming.Kafka.Tests;

public sealed class SourcePositionTests
{
    [Theory]
    [InlineData(0, 0L)]
    [InlineData(5, 123_456L)]
    [InlineData(int.MaxValue, long.MaxValue)]
    public void Headers_carry_the_position_there_and_back(int partition, long offset)
    {
        var position = new SourcePosition(partition, offset);
        Assert.Equal(position, SourcePosition.From(position.ToHeaders()));
    }

    [Fact]
    public void The_header_is_big_endian_partition_and_offset()
    {
        var headers = new SourcePosition(1, 258).ToHeaders();
        Assert.Equal(["src"], headers.Select(h => h.Key));
        Assert.Equal([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 2], headers.GetLastBytes("src"));
    }

    [Fact]
    public void A_position_in_the_two_headers_of_earlier_records_is_still_read()
    {
        var headers = new Headers { { "src-partition", [0, 0, 0, 1] }, { "src-offset", [0, 0, 0, 0, 0, 0, 1, 2] } };
        Assert.Equal(new SourcePosition(1, 258), SourcePosition.From(headers));
    }

    [Fact]
    public void A_record_without_a_whole_position_has_none()
    {
        Assert.Null(SourcePosition.From(null));
        Assert.Null(SourcePosition.From([]));
        Assert.Null(SourcePosition.From(new Headers { { "src-partition", [0, 0, 0, 1] } }));
        Assert.Null(SourcePosition.From(new Headers { { "src-offset", new byte[8] } }));
        // Lengths other than int32 and int64 are not a position (a header of the same name from elsewhere).
        Assert.Null(SourcePosition.From(new Headers { { "src-partition", [1] }, { "src-offset", new byte[8] } }));
        Assert.Null(SourcePosition.From(new Headers { { "src-partition", new byte[4] }, { "src-offset", new byte[4] } }));
        Assert.Null(SourcePosition.From(new Headers { { "src", new byte[8] } }));
    }

    [Fact]
    public void Other_headers_do_not_disturb_it_and_the_last_position_wins()
    {
        var headers = new Headers { { "traceparent", "00-abc"u8.ToArray() } };
        foreach (var header in new SourcePosition(1, 10).ToHeaders())
        {
            headers.Add(header.Key, header.GetValueBytes());
        }

        foreach (var header in new SourcePosition(2, 20).ToHeaders())
        {
            headers.Add(header.Key, header.GetValueBytes());
        }

        Assert.Equal(new SourcePosition(2, 20), SourcePosition.From(headers));
    }
}
