using Microsoft.Extensions.Time.Testing;
using Streaming.Profiles.Contracts;
using Streaming.PushTrigger.Rules;

namespace Streaming.PushTrigger.Tests;

public sealed class RuleKindTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 20, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider clock = new(Now);

    [Theory]
    [InlineData(4, 5, true)]
    [InlineData(0, 7, true)]
    [InlineData(5, 6, false)]
    [InlineData(3, 4, false)]
    [InlineData(6, 4, false)]
    public void Wishlist_selling_fast_fires_when_bookings_last_hour_go_from_below_the_threshold_to_it(long before, long after, bool fires)
    {
        var rule = Rules.Of("wishlist_selling_fast");
        var kind = (IProductRuleKind)rule.Kind;

        var trigger = kind.Triggered(rule, Rules.Profile("p1", before, asOf: Now), Rules.Profile("p1", after, asOf: Now), "Seoul");

        Assert.Equal(fires, trigger is not null);
    }

    [Fact]
    public void Wishlist_selling_fast_fires_on_the_first_profile_seen_if_it_is_already_over_the_threshold_and_names_the_hour()
    {
        var rule = Rules.Of("wishlist_selling_fast", r => r.Threshold = 2);

        var trigger = ((IProductRuleKind)rule.Kind).Triggered(rule, null, Rules.Profile("p1", 2, asOf: Now), null);

        Assert.NotNull(trigger);
        Assert.Equal("2026-11-23T10", trigger.Window);
        Assert.Equal("2", trigger.Values["bookings_last_hour"]);
    }

    [Fact]
    public void Wishlist_selling_fast_targets_users_who_wishlisted_within_30_days_and_have_not_booked()
    {
        var rule = Rules.Of("wishlist_selling_fast");
        var kind = (IProductRuleKind)rule.Kind;
        var trigger = kind.Triggered(rule, null, Rules.Profile("p1", 5, asOf: Now), "Seoul")!;
        var recent = new UserBuilder(clock).Wishlist("p1", Now.AddDays(-29)).Activity;
        var old = new UserBuilder(clock).Wishlist("p1", Now.AddDays(-31)).View("p1", Now.AddHours(-1)).Activity;
        var booked = new UserBuilder(clock).Wishlist("p1", Now.AddDays(-2)).Book("p1", Now.AddHours(-1)).Activity;
        var other = new UserBuilder(clock).Wishlist("p2", Now.AddDays(-2)).Activity;

        Assert.True(kind.Targets(rule, recent, trigger, Now));
        Assert.False(kind.Targets(rule, old, trigger, Now));
        Assert.False(kind.Targets(rule, booked, trigger, Now));
        Assert.False(kind.Targets(rule, other, trigger, Now));
    }

    [Fact]
    public void Viewed_not_booked_fires_30_minutes_after_the_third_view_within_24_hours()
    {
        var rule = Rules.Of("viewed_not_booked");
        var kind = (IUserRuleKind)rule.Kind;
        var user = new UserBuilder(clock).View("p1", Now.AddHours(-20)).View("p1", Now.AddHours(-2)).Activity;
        Assert.Equal(UserCheck.Never, kind.Check(rule, user, "p1", Now));

        new UserBuilder(clock).View("p1", Now); // another user's views do not count
        var third = Now.AddMinutes(-10);
        user.Apply(new Users.UserEvent(Users.UserEventKind.View, "p1", third, "Seoul", 0, 100), Now);

        var early = kind.Check(rule, user, "p1", Now);
        Assert.Null(early.Trigger);
        Assert.Equal(third.AddMinutes(30), early.CheckAgainAt);

        var due = kind.Check(rule, user, "p1", third.AddMinutes(30));
        Assert.NotNull(due.Trigger);
        Assert.Equal("3", due.Trigger.Values["views"]);
        Assert.Equal("2026-11-23", due.Trigger.Window);
    }

    [Fact]
    public void Viewed_not_booked_counts_views_within_24_hours_of_the_last_and_never_fires_once_booked()
    {
        var rule = Rules.Of("viewed_not_booked");
        var kind = (IUserRuleKind)rule.Kind;
        var spread = new UserBuilder(clock).View("p1", Now.AddHours(-25)).View("p1", Now.AddHours(-2)).View("p1", Now.AddHours(-1)).Activity;
        var booked = new UserBuilder(clock).View("p1", Now.AddHours(-3)).View("p1", Now.AddHours(-2)).View("p1", Now.AddHours(-1)).Book("p1", Now).Activity;

        Assert.Null(kind.Check(rule, spread, "p1", Now).Trigger);
        Assert.Equal(UserCheck.Never, kind.Check(rule, booked, "p1", Now));
    }

    [Fact]
    public void Trending_in_city_fires_when_the_trend_turns_rising_and_the_city_is_known()
    {
        var rule = Rules.Of("trending_in_city");
        var kind = (IProductRuleKind)rule.Kind;
        var rising = Rules.Profile("p1", trend: ProfileTrends.Rising, asOf: Now);

        Assert.NotNull(kind.Triggered(rule, Rules.Profile("p1"), rising, "Busan"));
        Assert.NotNull(kind.Triggered(rule, null, rising, "Busan"));
        Assert.Null(kind.Triggered(rule, rising, rising, "Busan"));
        Assert.Null(kind.Triggered(rule, Rules.Profile("p1"), Rules.Profile("p1", trend: ProfileTrends.Falling), "Busan"));
        Assert.Null(kind.Triggered(rule, Rules.Profile("p1"), rising, null));
    }

    [Fact]
    public void Trending_in_city_targets_users_active_in_the_city_within_7_days_who_have_not_booked_the_product()
    {
        var rule = Rules.Of("trending_in_city");
        var kind = (IProductRuleKind)rule.Kind;
        var trigger = kind.Triggered(rule, null, Rules.Profile("p1", trend: ProfileTrends.Rising, asOf: Now), "Busan")!;

        Assert.True(kind.Targets(rule, new UserBuilder(clock).View("p9", Now.AddDays(-6), "busan").Activity, trigger, Now));
        Assert.False(kind.Targets(rule, new UserBuilder(clock).View("p9", Now.AddDays(-8), "Busan").Activity, trigger, Now));
        Assert.False(kind.Targets(rule, new UserBuilder(clock).View("p9", Now.AddDays(-1), "Seoul").Activity, trigger, Now));
        Assert.False(kind.Targets(rule, new UserBuilder(clock).Book("p1", Now.AddDays(-1), "Busan").Activity, trigger, Now));
    }

    [Fact]
    public void Trending_in_city_asks_a_user_about_one_rising_product_per_city_per_hour()
    {
        var rule = Rules.Of("trending_in_city");
        var kind = (IProductRuleKind)rule.Kind;
        RuleTrigger Rising(string product, string city) => kind.Triggered(rule, null, Rules.Profile(product, trend: ProfileTrends.Rising, asOf: clock.GetUtcNow()), city)!;
        var user = new UserBuilder(clock).View("p9", Now.AddHours(-2), "Busan").View("p8", Now.AddHours(-2), "Seoul").Activity;
        var first = Rising("p1", "Busan");
        var options = new PushTriggerOptions { QuietHoursStart = TimeSpan.Zero, QuietHoursEnd = TimeSpan.Zero };
        Assert.True(kind.Targets(rule, user, first, Now));
        Assert.Equal(Push.Contracts.PushOutcomes.Sent, new Decisions.PushDecider(options, clock).Decide("u1", user, rule, first)!.Outcome);

        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.False(kind.Targets(rule, user, Rising("p2", "Busan"), clock.GetUtcNow()));
        Assert.True(kind.Targets(rule, user, Rising("p3", "Seoul"), clock.GetUtcNow()));
        Assert.True(kind.Targets(rule, user, first, clock.GetUtcNow())); // its own product: a replay finds the stored decision

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True(kind.Targets(rule, user, Rising("p2", "Busan"), clock.GetUtcNow()));
    }

    [Fact]
    public void Trending_in_city_asks_again_in_the_hour_when_the_first_product_was_suppressed_for_its_own_cooldown()
    {
        var trending = Rules.Of("trending_in_city");
        var kind = (IProductRuleKind)trending.Kind;
        var options = new PushTriggerOptions { QuietHoursStart = TimeSpan.Zero, QuietHoursEnd = TimeSpan.Zero, MinGap = TimeSpan.Zero };
        var decider = new Decisions.PushDecider(options, clock);
        var user = new UserBuilder(clock).Wishlist("p1", Now.AddHours(-2), "Busan").Activity;
        var fast = Rules.Of("wishlist_selling_fast");
        Assert.Equal(Push.Contracts.PushOutcomes.Sent, decider.Decide("u1", user, fast, new RuleTrigger(fast.Id, "p1", "Busan", "h", new Dictionary<string, string>()))!.Outcome);
        clock.Advance(TimeSpan.FromMinutes(5));
        var p1 = kind.Triggered(trending, null, Rules.Profile("p1", trend: ProfileTrends.Rising, asOf: clock.GetUtcNow()), "Busan")!;
        var suppressed = decider.Decide("u1", user, trending, p1)!;
        Assert.StartsWith("cap product", suppressed.Reason, StringComparison.Ordinal);

        var p2 = kind.Triggered(trending, null, Rules.Profile("p2", trend: ProfileTrends.Rising, asOf: clock.GetUtcNow()), "Busan")!;
        Assert.True(kind.Targets(trending, user, p2, clock.GetUtcNow()));
    }
}
