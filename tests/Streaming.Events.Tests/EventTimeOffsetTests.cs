using System.Text.Json;

namespace Streaming.Events.Tests;

public sealed class EventTimeOffsetTests
{
    [Theory]
    [InlineData("2026-11-23T21:30:00+09:00", 540)]
    [InlineData("2026-11-23T07:30:00-05:00", -300)]
    [InlineData("2026-11-23T12:30:00Z", 0)]
    public void Occurred_at_keeps_the_clients_offset_on_the_events_topic_and_reads_back_with_it(string occurredAt, int offsetMinutes)
    {
        var incoming = new IncomingEvent("e1", EventTypes.ProductView, "u1", "s1", "p1", occurredAt, "ios", "KR", "Seoul", null, null);

        var appEvent = incoming.ToAppEvent(DateTimeOffset.UnixEpoch);
        var json = JsonSerializer.SerializeToUtf8Bytes(appEvent, EventJsonContext.Default.AppEvent);
        Assert.True(AppEventReader.TryRead(json, out var read, out var reason), reason);

        Assert.Equal(offsetMinutes, (int)read.OccurredAt.Offset.TotalMinutes);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 12, 30, 0, TimeSpan.Zero), read.OccurredAt);
        Assert.Equal(TimeSpan.Zero, EventTime.Parse(occurredAt).Offset);
    }
}
