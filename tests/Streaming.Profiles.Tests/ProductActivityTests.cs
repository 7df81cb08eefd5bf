using Microsoft.Extensions.Time.Testing;
using Streaming.Profiles.Contracts;
using Streaming.Profiles.Profiles;

namespace Streaming.Profiles.Tests;

public sealed class ProductActivityTests
{
    // 12:04:30: the current minute is 12:04, so the last 5 minutes are 12:00-12:04 and the last hour 11:05-12:04.
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 4, 30, TimeSpan.Zero);
    private readonly FakeTimeProvider clock = new(Now);
    private readonly ProductActivity activity = new(new ProfileState(), new ProfileOptions());
    private readonly Events events = new();

    private ProductProfile Profile() => activity.Profile("p1", clock.GetUtcNow());

    private ApplyResult Apply(ProductEvent e) => activity.Apply(e, clock.GetUtcNow());

    [Fact]
    public void The_last_five_minutes_are_the_current_minute_and_the_four_before()
    {
        Apply(events.View(At(12, 0, 0)));
        Apply(events.View(At(12, 4, 59)));
        Apply(events.View(At(11, 59, 59)));

        var profile = Profile();

        Assert.Equal(2, profile.ViewsLast5m);
        Assert.Equal(3, profile.ViewsLastHour);
    }

    [Fact]
    public void The_last_hour_is_sixty_buckets_and_the_last_day_1440()
    {
        Apply(events.View(At(11, 5, 0)));
        Apply(events.View(At(11, 4, 59)));
        Apply(events.Booking(At(11, 5, 0)));
        Apply(events.Booking(At(11, 4, 59)));
        Apply(events.Wishlist(Now.AddDays(-1).AddMinutes(1)));
        Apply(events.Cancellation(Now.AddDays(-1).AddMinutes(1)));
        Apply(events.Wishlist(Now.AddDays(-1)));

        var profile = Profile();

        Assert.Equal(1, profile.ViewsLastHour);
        Assert.Equal(1, profile.BookingsLastHour);
        Assert.Equal(2, profile.BookingsLast24h);
        Assert.Equal(1, profile.WishlistsLast24h);
        Assert.Equal(1, profile.CancellationsLast24h);
    }

    [Fact]
    public void A_late_event_counts_in_the_minute_it_happened()
    {
        Apply(events.View(At(12, 3, 0)));
        clock.Advance(TimeSpan.FromMinutes(30));

        // Arrives half an hour late: in the last hour, not in the last 5 minutes.
        Assert.Equal(ApplyResult.Changed, Apply(events.View(At(12, 4, 0))));
        var profile = Profile();

        Assert.Equal(0, profile.ViewsLast5m);
        Assert.Equal(2, profile.ViewsLastHour);
    }

    [Fact]
    public void An_event_ahead_of_now_counts_once_its_minute_comes()
    {
        Assert.Equal(ApplyResult.Applied, Apply(events.View(Now.AddMinutes(2))));
        Assert.Equal(0, Profile().ViewsLast5m);

        clock.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(1, Profile().ViewsLast5m);
        Assert.Equal(1, Profile().ViewersNow);
    }

    [Fact]
    public void Buckets_older_than_24_hours_are_dropped()
    {
        Apply(events.Booking(Now));
        Apply(events.View(Now));
        clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(31));
        Assert.Equal(1, Profile().BookingsLast24h);

        clock.Advance(TimeSpan.FromMinutes(1));
        var profile = Profile();

        Assert.Equal(0, profile.BookingsLast24h);
        Assert.Empty(activity.State.Minutes);
        Assert.Empty(activity.Viewers);
        // The newest booking is not a bucket: it stays.
        Assert.Equal(Now, profile.LastBookedAt);
    }

    [Fact]
    public void An_event_older_than_24_hours_is_remembered_but_counted_nowhere()
    {
        Assert.Equal(ApplyResult.Applied, Apply(events.Wishlist(Now.AddDays(-2))));

        Assert.Equal(0, Profile().WishlistsLast24h);
        Assert.Empty(activity.State.Minutes);
        Assert.Equal(1, activity.State.Version);
    }

    [Fact]
    public void Viewers_now_counts_distinct_users_of_the_last_five_minutes()
    {
        Apply(events.View(At(12, 0, 10), "ann"));
        Apply(events.View(At(12, 4, 10), "ann"));
        Apply(events.View(At(12, 4, 20), "ann"));
        Apply(events.View(At(12, 2, 0), "bob"));
        Apply(events.View(At(11, 59, 59), "cid"));

        Assert.Equal(2, Profile().ViewersNow);
        Assert.Equal(4, Profile().ViewsLast5m);

        // A minute later 12:00 leaves the window; ann is still there from 12:04.
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(2, Profile().ViewersNow);

        clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(1, Profile().ViewersNow);
        Assert.Single(activity.Viewers);
    }

    [Fact]
    public void Viewers_now_kept_between_changes_equals_the_union_of_the_five_sets_counted_afresh()
    {
        var random = new Random(7);
        for (var step = 0; step < 3_000; step++)
        {
            // Views mostly in the current minute, some late (up to 6 minutes) and some ahead; time moves on now and then.
            var offset = random.Next(10) switch { 0 => -random.Next(1, 7), 1 => 1, _ => 0 };
            Apply(events.View(clock.GetUtcNow().AddMinutes(offset), "u" + random.Next(60)));
            if (random.Next(50) == 0)
            {
                clock.Advance(TimeSpan.FromSeconds(random.Next(20, 90)));
            }

            var current = ProductActivity.MinuteOf(clock.GetUtcNow());
            var expected = activity.Viewers.Where(v => current - v.Key is >= 0 and < 5).SelectMany(v => v.Value).Distinct().Count();
            Assert.Equal(expected, Profile().ViewersNow);
        }
    }

    [Fact]
    public void Viewer_sets_are_stored_packed_and_read_back_the_same()
    {
        Apply(events.View(At(12, 3, 0), "ann"));
        Apply(events.View(At(12, 4, 0), "bob"));
        Apply(events.View(At(12, 4, 1), "us\u00e9r-\ud83d\ude00"));
        Apply(events.View(At(12, 4, 2), ""));
        activity.PackViewers();
        Apply(events.View(At(12, 4, 3), "cid")); // after the pack: in the next one
        activity.PackViewers();
        clock.Advance(TimeSpan.FromMinutes(4)); // 12:03 leaves the sets

        Assert.Equal(4, Profile().ViewersNow);
        activity.PackViewers();
        var read = new ProductActivity(new ProfileState { PackedViewerKeys = activity.State.PackedViewerKeys }, new ProfileOptions());

        var minute = ProductActivity.MinuteOf(At(12, 4, 0));
        Assert.Equal([minute], read.Viewers.Keys);
        Assert.Equal(new[] { "", "bob", "cid", "us\u00e9r-\ud83d\ude00" }.Select(ViewerKey.Of).Order(), read.Viewers[minute].Order());
    }

    [Fact]
    public void Viewer_sets_of_a_state_written_before_packing_are_read_and_packed_at_the_next_write()
    {
        var minute = ProductActivity.MinuteOf(Now);
        var old = new ProfileState { Viewers = new() { [minute] = new HashSet<string>(["ann", "bob"], StringComparer.Ordinal) } };

        var migrated = new ProductActivity(old, new ProfileOptions());
        migrated.PackViewers();

        Assert.Null(old.Viewers);
        var read = new ProductActivity(new ProfileState { PackedViewerKeys = old.PackedViewerKeys }, new ProfileOptions());
        Assert.Equal(2, read.Profile("p1", Now).ViewersNow);
    }

    [Fact]
    public void Viewers_packed_as_strings_by_an_older_silo_are_read_as_keys_and_count_with_new_views()
    {
        var minute = ProductActivity.MinuteOf(Now);
        var asStrings = new MemoryStream();
        foreach (var user in new[] { "ann", "bob", "us\u00e9r" })
        {
            asStrings.Write(BitConverter.GetBytes(user.Length));
            asStrings.Write(System.Text.Encoding.Unicode.GetBytes(user));
        }

        var old = new ProfileState { PackedViewers = new() { [minute] = asStrings.ToArray() } };
        var migrated = new ProductActivity(old, new ProfileOptions());
        migrated.Apply(events.View(Now, "bob"), Now);
        migrated.Apply(events.View(Now, "cid"), Now);
        migrated.PackViewers();

        Assert.Equal(4, migrated.Profile("p1", Now).ViewersNow);
        Assert.Empty(old.PackedViewers);
        var read = new ProductActivity(new ProfileState { PackedViewerKeys = old.PackedViewerKeys }, new ProfileOptions());
        Assert.Equal(4, read.Profile("p1", Now).ViewersNow);
    }

    [Theory]
    [InlineData(10, 0, ProfileTrends.Rising)]
    [InlineData(9, 0, ProfileTrends.Steady)]
    [InlineData(15, 10, ProfileTrends.Rising)]
    [InlineData(14, 10, ProfileTrends.Steady)]
    [InlineData(10, 15, ProfileTrends.Falling)]
    [InlineData(11, 15, ProfileTrends.Steady)]
    [InlineData(0, 10, ProfileTrends.Falling)]
    [InlineData(0, 9, ProfileTrends.Steady)]
    [InlineData(12, 12, ProfileTrends.Steady)]
    public void Trend_compares_the_last_five_minutes_with_the_five_before(int last, int before, string expected)
    {
        for (var i = 0; i < before; i++)
        {
            Apply(events.View(At(11, 59, 0)));
        }

        for (var i = 0; i < last; i++)
        {
            Apply(events.View(At(12, 0, 0)));
        }

        Apply(events.View(At(11, 54, 59))); // eleven minutes back: in neither

        Assert.Equal(expected, Profile().Trend);
    }

    [Fact]
    public void Trend_thresholds_are_configurable()
    {
        var strict = new ProductActivity(new ProfileState(), new ProfileOptions { TrendMinViews = 100, TrendRisingFactor = 3, TrendFallingRatio = 0.5 });

        Assert.Equal(ProfileTrends.Steady, strict.Trend(99, 0));
        Assert.Equal(ProfileTrends.Rising, strict.Trend(300, 100));
        Assert.Equal(ProfileTrends.Steady, strict.Trend(299, 100));
        Assert.Equal(ProfileTrends.Falling, strict.Trend(50, 100));
        Assert.Equal(ProfileTrends.Steady, strict.Trend(51, 100));
    }

    [Fact]
    public void A_source_position_at_or_below_the_applied_one_is_a_duplicate()
    {
        var first = events.View(Now, sourcePartition: 1);
        var second = events.View(Now, sourcePartition: 1);
        var otherPartition = events.View(Now, sourcePartition: 2);

        Assert.Equal(ApplyResult.Changed, Apply(first));
        Assert.Equal(ApplyResult.Changed, Apply(second));
        Assert.Equal(ApplyResult.Duplicate, Apply(first));
        Assert.Equal(ApplyResult.Duplicate, Apply(second));
        Assert.Equal(ApplyResult.Changed, Apply(otherPartition));

        Assert.Equal(3, Profile().ViewsLast5m);
        Assert.Equal(3, activity.State.Version);
    }

    [Fact]
    public void The_newest_booking_by_event_time_wins_and_as_of_is_the_latest_event()
    {
        Apply(events.Booking(At(12, 3, 0), "Busan"));
        Apply(events.Booking(At(12, 1, 0), "Seoul"));
        Apply(events.View(At(12, 4, 1)));

        var profile = Profile();

        Assert.Equal(At(12, 3, 0), profile.LastBookedAt);
        Assert.Equal("Busan", profile.LastBookedCity);
        Assert.Equal(At(12, 4, 1), profile.AsOf);
        Assert.Equal(2, activity.State.RecentBookings.Count);
    }

    [Fact]
    public void A_product_without_events_is_all_zeros()
    {
        Assert.Equal(ProductProfile.Empty("p1"), Profile());
    }

    [Fact]
    public void At_exactly_a_minute_edge_the_new_minute_is_current_and_the_oldest_bucket_has_left_each_window()
    {
        var edge = At(12, 5, 0);
        clock.SetUtcNow(edge);
        Apply(events.View(At(12, 0, 59).AddMilliseconds(999), "ann"));
        Apply(events.View(At(12, 1, 0), "bob"));
        Apply(events.View(edge, "cid"));
        Apply(events.View(At(11, 5, 59).AddMilliseconds(999)));
        Apply(events.View(At(11, 6, 0)));
        Apply(events.Booking(edge.AddDays(-1))); // the 1,441st minute back: outside the day
        Apply(events.Booking(edge.AddDays(-1).AddMinutes(1)));

        var profile = Profile();

        Assert.Equal(2, profile.ViewsLast5m);
        Assert.Equal(2, profile.ViewersNow);
        Assert.Equal(4, profile.ViewsLastHour);
        Assert.Equal(1, profile.BookingsLast24h);
        Assert.Equal(0, profile.BookingsLastHour);
    }

    [Fact]
    public void Cancellations_count_on_their_own_and_do_not_reduce_bookings_or_the_newest_booking()
    {
        Apply(events.Booking(At(12, 1, 0), "Busan"));
        Apply(events.Booking(At(12, 2, 0), "Seoul"));
        Apply(events.Cancellation(At(12, 3, 0)));
        Apply(events.Cancellation(At(12, 3, 30)));
        Apply(events.Cancellation(Now.AddHours(-25)));

        var profile = Profile();

        Assert.Equal(2, profile.BookingsLastHour);
        Assert.Equal(2, profile.BookingsLast24h);
        Assert.Equal(2, profile.CancellationsLast24h);
        Assert.Equal(At(12, 2, 0), profile.LastBookedAt);
        Assert.Equal("Seoul", profile.LastBookedCity);
        Assert.Equal(At(12, 3, 30), profile.AsOf);
    }

    [Fact]
    public void A_booking_ahead_of_now_or_older_than_a_day_is_still_the_newest_booking_by_its_exact_time()
    {
        Apply(events.Booking(Now.AddDays(-2), "Busan"));
        Assert.Equal(Now.AddDays(-2), Profile().LastBookedAt);
        Assert.Equal(0, Profile().BookingsLast24h);

        var ahead = Now.AddMinutes(3).AddMilliseconds(7);
        Apply(events.Booking(ahead, null));
        var profile = Profile();

        Assert.Equal(ahead, profile.LastBookedAt);
        Assert.Null(profile.LastBookedCity);
        Assert.Equal(ahead, profile.AsOf);
        Assert.Equal(0, profile.BookingsLast24h);
        clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(1, Profile().BookingsLastHour);
    }

    private static DateTimeOffset At(int hour, int minute, int second) => new(2026, 11, 23, hour, minute, second, TimeSpan.Zero);
}
