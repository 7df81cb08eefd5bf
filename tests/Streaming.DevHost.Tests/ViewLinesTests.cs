using Streaming.DevHost.Truth;
using Streaming.Events;

namespace Streaming.DevHost.Tests;

public sealed class ViewLinesTests
{
    private static readonly DateTimeOffset Hour = new(2026, 12, 7, 21, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Events_make_the_minute_rows_and_the_minutes_make_the_hourly_rows()
    {
        AppEvent E(string id, string type, string user, int minute, long? amount = null) =>
            new(id, type, user, "s", type == EventTypes.AppOpen ? null : "tour-1", Hour.AddMinutes(minute).AddSeconds(5), "ios", "KR", "Seoul", amount,
                amount is null ? null : "KRW", Hour, type == EventTypes.AppOpen ? null : "tour");
        var events = new[]
        {
            E("1", EventTypes.ProductView, "u1", 0), E("1", EventTypes.ProductView, "u1", 0), // a re-post counts once
            E("2", EventTypes.BookingConfirmed, "u2", 0, 1000), E("3", EventTypes.AppOpen, "u3", 1),
            E("4", EventTypes.WishlistAdd, "u1", 1), E("5", EventTypes.BookingConfirmed, "u3", 1, 500),
        };

        var minutes = ViewLines.Expected(events);
        var m0 = Hour.ToUnixTimeSeconds();
        var m1 = m0 + 60;
        Assert.Contains($"users|{m0}|all||2|0", minutes);
        Assert.Contains($"users|{m1}|all||2|0", minutes);
        Assert.Contains($"popularity|{m0}|tour-1|1|0|1|21|0", minutes);
        Assert.Contains($"bookings|{m1}|city|Seoul|KRW|1|0|500|0|0", minutes);

        var hourly = ViewLines.ExpectedHourly(minutes);
        Assert.Contains($"users-hour|{m0}|all||2", hourly);
        Assert.Contains($"popularity-hour|{m0}|tour-1|1|1|2|46|0", hourly);
        Assert.Contains($"bookings-hour|{m0}|product|tour-1|KRW|2|0|1500|0|0", hourly);
    }

    [Fact]
    public void Differences_name_what_is_missing_unexpected_and_shown_twice()
    {
        var differences = ViewLines.Differences(["a", "b"], ["b", "c", "c"]);
        Assert.Equal(["missing a", "unexpected c", "twice c"], differences);
    }
}
