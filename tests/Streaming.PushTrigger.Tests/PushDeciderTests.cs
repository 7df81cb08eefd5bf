using Microsoft.Extensions.Time.Testing;
using Streaming.Push.Contracts;
using Streaming.PushTrigger.Decisions;
using Streaming.PushTrigger.Rules;
using Streaming.PushTrigger.Users;

namespace Streaming.PushTrigger.Tests;

public sealed class PushDeciderTests
{
    private static readonly TimeSpan Seoul = TimeSpan.FromHours(9);
    private static readonly TimeSpan NewYork = TimeSpan.FromHours(-5);
    private static readonly DateTimeOffset Monday10Utc = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider clock = new(Monday10Utc);

    private static PushTriggerOptions NoQuietHours(Action<PushTriggerOptions>? change = null)
    {
        var options = new PushTriggerOptions { QuietHoursStart = TimeSpan.Zero, QuietHoursEnd = TimeSpan.Zero };
        change?.Invoke(options);
        return options;
    }

    /// <summary>A user whose latest event carried <paramref name="offset"/>.</summary>
    private UserActivity UserAt(TimeSpan offset)
    {
        var user = UserBuilder.NewActivity(new PushTriggerOptions());
        user.Apply(new UserEvent(UserEventKind.View, "p0", clock.GetUtcNow().AddMinutes(-1).ToOffset(offset), "Seoul", 0, 0), clock.GetUtcNow());
        return user;
    }

    private PushDecision? Decide(PushTriggerOptions options, UserActivity user, string product, PushRule? rule = null, string window = "w", string userId = "u1")
    {
        rule ??= Rules.Of("wishlist_selling_fast");
        var trigger = new RuleTrigger(rule.Id, product, "Seoul", window, new Dictionary<string, string> { ["bookings_last_hour"] = "5" });
        return new PushDecider(options, clock).Decide(userId, user, rule, trigger);
    }

    private void At(DateTimeOffset time) => clock.SetUtcNow(time);

    [Fact]
    public void Outside_quiet_hours_a_push_is_sent_now_with_its_rendered_text_and_the_full_ttl()
    {
        var decision = Decide(new PushTriggerOptions(), UserAt(TimeSpan.Zero), "p1");

        Assert.NotNull(decision);
        Assert.Equal(PushOutcomes.Sent, decision.Outcome);
        Assert.Equal(Monday10Utc, decision.SendAt);
        Assert.Equal(Monday10Utc, decision.DecidedAt);
        Assert.Equal("Selling fast: p1", decision.Title);
        Assert.Equal("5 people booked a tour on your wishlist in the last hour.", decision.Body);
        Assert.Equal(12 * 3600, decision.TtlSeconds);
        Assert.Equal("wishlist-selling-fast:p1", decision.CollapseKey);
        Assert.Equal(PushId.Of("wishlist-selling-fast", "u1", "p1", "w"), decision.PushId);
    }

    [Fact]
    public void Deciding_the_same_push_again_is_a_replay_and_decides_nothing()
    {
        var user = UserAt(TimeSpan.Zero);
        Assert.NotNull(Decide(new PushTriggerOptions(), user, "p1"));
        clock.Advance(TimeSpan.FromDays(2));

        Assert.Null(Decide(new PushTriggerOptions(), user, "p1"));
        Assert.Single(user.State.Pushes);
    }

    [Fact]
    public void Push_ids_depend_on_rule_user_product_and_window_only()
    {
        var id = PushId.Of("r", "u", "p", "2026-11-23T10");

        Assert.Equal(id, PushId.Of("r", "u", "p", "2026-11-23T10"));
        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.Equal(5, new[] { id, PushId.Of("r2", "u", "p", "2026-11-23T10"), PushId.Of("r", "u2", "p", "2026-11-23T10"),
            PushId.Of("r", "u", "p2", "2026-11-23T10"), PushId.Of("r", "u", "p", "2026-11-23T11") }.Distinct().Count());
        Assert.NotEqual(PushId.Of("ab", "c", "p", "w"), PushId.Of("a", "bc", "p", "w"));
    }

    [Fact]
    public void At_most_three_pushes_per_local_day_and_the_fourth_names_the_daily_cap()
    {
        var options = NoQuietHours();
        var anyTime = Rules.Of("wishlist_selling_fast", r => r.ReEligibility = TimeSpan.Zero);
        var user = UserAt(TimeSpan.Zero);
        for (var i = 0; i < 3; i++)
        {
            At(Monday10Utc.AddHours(2 * i));
            Assert.Equal(PushOutcomes.Sent, Decide(options, user, $"p{i}", anyTime, $"w{i}")!.Outcome);
        }

        At(Monday10Utc.AddHours(7));
        var fourth = Decide(options, user, "p9", anyTime, "w9")!;
        Assert.Equal(PushOutcomes.Suppressed, fourth.Outcome);
        Assert.Equal("cap daily: 3 of 3 pushes already on local day 2026-11-23 (UTC+00:00)", fourth.Reason);

        // The next local day starts at midnight: a fresh allowance.
        At(new DateTimeOffset(2026, 11, 24, 0, 30, 0, TimeSpan.Zero));
        Assert.Equal(PushOutcomes.Sent, Decide(options, user, "p10", anyTime, "w10")!.Outcome);
    }

    [Fact]
    public void The_daily_cap_counts_the_users_own_calendar_day()
    {
        var options = NoQuietHours(o => o.MaxPerLocalDay = 1);
        var noReEligibility = Rules.Of("wishlist_selling_fast", r => r.ReEligibility = TimeSpan.Zero);
        var newYorker = UserAt(NewYork);
        var londoner = UserAt(TimeSpan.Zero);

        // 03:00 UTC on Tuesday is still Monday 22:00 in New York; 06:00 UTC is Tuesday 01:00 there.
        At(new DateTimeOffset(2026, 11, 24, 3, 0, 0, TimeSpan.Zero));
        Assert.Equal(PushOutcomes.Sent, Decide(options, newYorker, "p1", noReEligibility, "a")!.Outcome);
        Assert.Equal(PushOutcomes.Sent, Decide(options, londoner, "p1", noReEligibility, "a")!.Outcome);
        At(new DateTimeOffset(2026, 11, 24, 6, 0, 0, TimeSpan.Zero));

        Assert.Equal(PushOutcomes.Sent, Decide(options, newYorker, "p2", noReEligibility, "b")!.Outcome);
        var london = Decide(options, londoner, "p2", noReEligibility, "b")!;
        Assert.Equal(PushOutcomes.Suppressed, london.Outcome);
        Assert.Contains("local day 2026-11-24 (UTC+00:00)", london.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_pushes_are_at_least_an_hour_apart()
    {
        var options = NoQuietHours();
        var user = UserAt(TimeSpan.Zero);
        var anyTime = Rules.Of("viewed_not_booked", r => r.ReEligibility = TimeSpan.Zero);
        Assert.Equal(PushOutcomes.Sent, Decide(options, user, "p1")!.Outcome);

        clock.Advance(TimeSpan.FromMinutes(59));
        var soon = Decide(options, user, "p2", anyTime)!;
        Assert.Equal(PushOutcomes.Suppressed, soon.Outcome);
        Assert.StartsWith("cap gap:", soon.Reason, StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(PushOutcomes.Sent, Decide(options, user, "p2", anyTime, "later")!.Outcome);
    }

    [Fact]
    public void At_most_one_push_per_product_per_24_hours_whatever_the_rule()
    {
        var options = NoQuietHours();
        var user = UserAt(TimeSpan.Zero);
        Assert.Equal(PushOutcomes.Sent, Decide(options, user, "p1")!.Outcome);

        clock.Advance(TimeSpan.FromHours(23));
        var again = Decide(options, user, "p1", Rules.Of("viewed_not_booked"))!;
        Assert.Equal(PushOutcomes.Suppressed, again.Outcome);
        Assert.StartsWith("cap product: p1", again.Reason, StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(PushOutcomes.Sent, Decide(options, user, "p1", Rules.Of("viewed_not_booked"), "next")!.Outcome);
    }

    [Fact]
    public void A_rule_pushes_a_user_again_only_after_its_re_eligibility()
    {
        var options = NoQuietHours();
        var user = UserAt(TimeSpan.Zero);
        Assert.Equal(PushOutcomes.Sent, Decide(options, user, "p1", window: "d0")!.Outcome);

        clock.Advance(TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1));
        var early = Decide(options, user, "p2", window: "d7")!;
        Assert.Equal(PushOutcomes.Suppressed, early.Outcome);
        Assert.StartsWith("re-eligibility: rule wishlist-selling-fast", early.Reason, StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(PushOutcomes.Sent, Decide(options, user, "p3", window: "d7b")!.Outcome);
        var shortRule = Rules.Of("wishlist_selling_fast", r => { r.Id = "short"; r.ReEligibility = TimeSpan.FromDays(1); });
        clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(PushOutcomes.Sent, Decide(options, user, "p4", shortRule, "s1")!.Outcome);
        clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(PushOutcomes.Sent, Decide(options, user, "p5", shortRule, "s2")!.Outcome);
    }

    [Theory]
    [InlineData(12, 30, true)]   // 21:30 in Seoul: held until 08:00 the next local day = 23:00 UTC the same day
    [InlineData(16, 0, true)]    // 01:00 in Seoul, after midnight: held until 08:00 that day = 23:00 UTC the day before
    [InlineData(22, 59, true)]   // 07:59 in Seoul
    [InlineData(23, 0, false)]   // 08:00 in Seoul: sent
    [InlineData(11, 59, false)]  // 20:59 in Seoul: sent
    public void Quiet_hours_hold_a_push_until_8_in_the_users_morning_across_midnight(int utcHour, int utcMinute, bool held)
    {
        var at = new DateTimeOffset(2026, 11, 23, utcHour, utcMinute, 0, TimeSpan.Zero);
        At(at);

        var decision = Decide(new PushTriggerOptions(), UserAt(Seoul), "p1")!;

        Assert.Equal(held ? PushOutcomes.Held : PushOutcomes.Sent, decision.Outcome);
        var expectedSend = !held ? at : utcHour >= 12 ? new DateTimeOffset(2026, 11, 23, 23, 0, 0, TimeSpan.Zero) : new DateTimeOffset(2026, 11, 22, 23, 0, 0, TimeSpan.Zero);
        if (held && utcHour < 23 && utcHour >= 12)
        {
            Assert.Contains("sending at 2026-11-24 08:00 +09:00", decision.Reason, StringComparison.Ordinal);
        }

        Assert.Equal(expectedSend > at ? expectedSend : at, decision.SendAt);
        Assert.Equal((int)(at.AddHours(12) - decision.SendAt).TotalSeconds, decision.TtlSeconds);
    }

    [Fact]
    public void The_same_instant_is_quiet_in_one_time_zone_and_not_in_another()
    {
        At(new DateTimeOffset(2026, 11, 23, 13, 0, 0, TimeSpan.Zero)); // 22:00 Seoul, 08:00 New York, 13:00 London

        var seoul = Decide(new PushTriggerOptions(), UserAt(Seoul), "p1", userId: "seoul")!;
        var newYork = Decide(new PushTriggerOptions(), UserAt(NewYork), "p1", userId: "ny")!;
        var london = Decide(new PushTriggerOptions(), UserAt(TimeSpan.Zero), "p1", userId: "london")!;

        Assert.Equal(PushOutcomes.Held, seoul.Outcome);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 23, 0, 0, TimeSpan.Zero), seoul.SendAt);
        Assert.Equal(PushOutcomes.Sent, newYork.Outcome);
        Assert.Equal(PushOutcomes.Sent, london.Outcome);
    }

    [Fact]
    public void A_held_push_counts_against_the_caps_at_its_send_time()
    {
        var user = UserAt(Seoul);
        At(new DateTimeOffset(2026, 11, 23, 12, 30, 0, TimeSpan.Zero)); // 21:30 Seoul
        Assert.Equal(PushOutcomes.Held, Decide(new PushTriggerOptions(), user, "p1")!.Outcome);

        At(new DateTimeOffset(2026, 11, 23, 22, 30, 0, TimeSpan.Zero)); // 07:30 Seoul: would also go at 08:00
        var second = Decide(new PushTriggerOptions(), user, "p2", Rules.Of("viewed_not_booked"))!;

        Assert.Equal(PushOutcomes.Suppressed, second.Outcome);
        Assert.StartsWith("cap gap: another push at 2026-11-24 08:00 +09:00", second.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_push_whose_quiet_hours_outlast_its_ttl_expires_and_does_not_count_against_the_caps()
    {
        var options = new PushTriggerOptions { Ttl = TimeSpan.FromHours(6) };
        var user = UserAt(Seoul);
        At(new DateTimeOffset(2026, 11, 23, 12, 30, 0, TimeSpan.Zero)); // 21:30 Seoul: 10.5 h to 08:00

        var expired = Decide(options, user, "p1")!;
        Assert.Equal(PushOutcomes.Expired, expired.Outcome);
        Assert.Contains("outlast the TTL of 06:00:00", expired.Reason, StringComparison.Ordinal);
        Assert.False(expired.ToSend);

        At(new DateTimeOffset(2026, 11, 23, 20, 0, 0, TimeSpan.Zero)); // 05:00 Seoul: 3 h to 08:00, inside the TTL
        var held = Decide(options, user, "p1", Rules.Of("viewed_not_booked"))!;
        Assert.Equal(PushOutcomes.Held, held.Outcome);
        Assert.Equal(3 * 3600, held.TtlSeconds);
    }
}
