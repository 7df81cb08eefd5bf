using Microsoft.Extensions.Time.Testing;
using Streaming.PushTrigger.Rules;
using Streaming.PushTrigger.Users;

namespace Streaming.PushTrigger.Tests;

public sealed class UserActivityTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider clock = new(Now);

    [Fact]
    public void The_time_zone_is_the_offset_of_the_latest_occurred_at()
    {
        var user = new UserBuilder(clock);

        user.View("p1", Now.AddMinutes(-10).ToOffset(TimeSpan.FromHours(9)));
        Assert.Equal(TimeSpan.FromHours(9), user.Activity.UtcOffset);

        user.View("p1", Now.AddMinutes(-20).ToOffset(TimeSpan.FromHours(-5))); // older: does not change it
        Assert.Equal(TimeSpan.FromHours(9), user.Activity.UtcOffset);

        user.View("p1", Now.AddMinutes(-5)); // "Z"
        Assert.Equal(TimeSpan.Zero, user.Activity.UtcOffset);

        user.View("p1", Now.AddMinutes(-1).ToOffset(new TimeSpan(5, 30, 0)));
        Assert.Equal(330, user.Activity.State.UtcOffsetMinutes);
    }

    [Fact]
    public void An_events_offset_applied_before_is_a_replay_and_changes_nothing()
    {
        var user = UserBuilder.NewActivity(new PushTriggerOptions());
        Assert.True(user.Apply(new UserEvent(UserEventKind.View, "p1", Now, "Seoul", 2, 10), Now));

        Assert.False(user.Apply(new UserEvent(UserEventKind.View, "p1", Now, "Seoul", 2, 10), Now));
        Assert.False(user.Apply(new UserEvent(UserEventKind.View, "p1", Now, "Seoul", 2, 9), Now));
        Assert.True(user.Apply(new UserEvent(UserEventKind.View, "p1", Now, "Seoul", 3, 9), Now));
        Assert.Equal(2, user.Item("p1")!.Views.Count);
    }

    [Fact]
    public void Activity_older_than_the_window_is_forgotten_and_at_most_max_items_products_are_kept()
    {
        var options = new PushTriggerOptions { MaxItemsPerUser = 2 };
        var activity = new UserActivity(new UserState(), options.ActivityWindow, options.MaxItemsPerUser);
        long offset = 0;
        activity.Apply(new UserEvent(UserEventKind.Wishlist, "old", Now.AddDays(-29), "Seoul", 0, offset++), Now);
        activity.Apply(new UserEvent(UserEventKind.View, "a", Now.AddHours(-2), "Seoul", 0, offset++), Now);
        activity.Apply(new UserEvent(UserEventKind.View, "b", Now.AddHours(-1), "Seoul", 0, offset++), Now);
        Assert.Equal(["a", "b"], activity.State.Items.Keys.Order());

        activity.Apply(new UserEvent(UserEventKind.View, "ancient", Now.AddDays(-31), "Seoul", 0, offset++), Now);
        Assert.DoesNotContain("ancient", activity.State.Items.Keys);

        activity.Prune(Now.AddDays(30).AddMinutes(-90)); // "a" is older than 30 days now, "b" not
        Assert.Equal(["b"], activity.State.Items.Keys);
    }

    [Fact]
    public void A_cancellation_undoes_the_booking_before_it()
    {
        var user = new UserBuilder(clock).Book("p1", Now.AddHours(-2)).Do(UserEventKind.Cancellation, "p1", Now.AddHours(-1));

        Assert.Null(user.Activity.Item("p1")!.BookedAt);
    }

    [Fact]
    public void Views_per_product_are_bounded()
    {
        var user = new UserBuilder(clock);
        for (var i = 0; i < UserActivity.MaxViewsPerItem + 10; i++)
        {
            user.View("p1", Now.AddMinutes(-i));
        }

        Assert.Equal(UserActivity.MaxViewsPerItem, user.Activity.Item("p1")!.Views.Count);
        Assert.Equal(Now, user.Activity.Item("p1")!.Views[^1]);
    }
}
