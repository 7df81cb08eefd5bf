using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;
using Orleans.Storage;
using Streaming.Profiles.Contracts;
using Streaming.Profiles.Profiles;

namespace Streaming.Profiles.Tests;

[Collection(ProfilesClusterCollection.Name)]
public sealed class ProductProfileGrainTests(ProfilesCluster fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly string product = "p-" + Guid.NewGuid().ToString("N")[..8];
    private readonly Events events = new();

    private static DateTimeOffset Now => ProfilesCluster.Clock.GetUtcNow();

    private IProductProfileWriter Writer => fixture.Cluster.GrainFactory.GetGrain<IProductProfileWriter>(product);

    private IProductProfileGrain Reader => fixture.Cluster.GrainFactory.GetGrain<IProductProfileGrain>(product);

    [Fact]
    public async Task A_product_never_seen_answers_zeros_and_nulls_under_its_own_id()
    {
        var unseen = "never seen / 투어 " + Guid.NewGuid().ToString("N")[..8];

        var profile = await fixture.Cluster.GrainFactory.GetGrain<IProductProfileGrain>(unseen).GetProfileAsync();

        Assert.Equal(ProductProfile.Empty(unseen), profile);
    }

    [Fact]
    public async Task Events_at_or_below_an_applied_source_position_are_ignored()
    {
        ProductEvent[] batch = [events.View(Now, "ann"), events.View(Now, "bob"), events.Booking(Now)];

        var first = await Writer.ApplyAsync(new(batch));
        var replay = await Writer.ApplyAsync(new(batch));
        var partly = await Writer.ApplyAsync(new([batch[2], events.View(Now, "cid")]));

        Assert.Equal((3, 0), (first.Applied, first.Duplicates));
        Assert.Equal((0, 3), (replay.Applied, replay.Duplicates));
        Assert.Equal((1, 1), (partly.Applied, partly.Duplicates));
        var profile = await Reader.GetProfileAsync();
        Assert.Equal(3, profile.ViewsLast5m);
        Assert.Equal(3, profile.ViewersNow);
        Assert.Equal(1, profile.BookingsLastHour);
    }

    [Fact]
    public async Task A_flushed_profile_survives_deactivation()
    {
        await Writer.ApplyAsync(new([events.View(Now), events.Booking(Now, "Busan"), events.Wishlist(Now)]));
        var before = await Writer.FlushAsync();
        var expected = await Reader.GetProfileAsync();

        await DeactivateAsync();

        Assert.Equal(expected, await Reader.GetProfileAsync());
        Assert.NotEqual(before, await Writer.FlushAsync());
        // The reactivated grain still knows what it applied.
        var replay = await Writer.ApplyAsync(new([events.View(Now)]));
        Assert.Equal(1, replay.Applied);
        Assert.Equal(2, (await Reader.GetProfileAsync()).ViewsLast5m);
    }

    [Fact]
    public async Task Events_applied_but_not_flushed_are_written_when_the_activation_is_collected()
    {
        await Writer.ApplyAsync(new([events.View(Now), events.View(Now, "bob")]));

        await DeactivateAsync();

        Assert.Equal(2, (await Reader.GetProfileAsync()).ViewsLast5m);
    }

    [Fact]
    public async Task A_storage_conflict_takes_the_stored_state_and_asks_for_the_events_again()
    {
        var all = Enumerable.Range(0, 7).Select(i => events.View(Now, "u" + i)).ToArray();
        await Writer.ApplyAsync(new(all[..3]));
        var activation = await Writer.FlushAsync();

        // Another activation of the same product (a duplicate activation) writes events 0-4 and a booking meanwhile.
        var storage = fixture.SiloServices.GetRequiredKeyedService<IGrainStorage>(ProfilesStorage.Name);
        var grainId = Writer.GetGrainId();
        var other = new GrainState<ProfileState>();
        await storage.ReadStateAsync("profile", grainId, other);
        var otherActivity = new ProductActivity(other.State!, new ProfileOptions());
        foreach (var e in all[..5])
        {
            otherActivity.Apply(e, Now);
        }

        otherActivity.Apply(events.Booking(Now) with { SourcePartition = 9 }, Now);
        otherActivity.PackViewers();

        await storage.WriteStateAsync("profile", grainId, other);

        // This activation applies 3-6 (3 and 4 are new to it) and writes: a conflict. It takes the stored state (its
        // own 3-6 dropped) and answers with another activation id, so the consumer reads the events again.
        var fed = await Writer.ApplyAsync(new(all[3..]));
        var flushed = await Writer.FlushAsync();
        Assert.Equal(activation, fed.Activation);
        Assert.NotEqual(activation, flushed);
        Assert.Equal((5, 1), ((await Reader.GetProfileAsync()).ViewsLast5m, (await Reader.GetProfileAsync()).BookingsLastHour));
        var again = await Writer.ApplyAsync(new(all[3..]));
        Assert.Equal((2, 2), (again.Applied, again.Duplicates));
        Assert.Equal(flushed, await Writer.FlushAsync());

        // Overwriting would have lost the other activation's booking; re-applying 3 and 4 would have counted 9 views.
        var profile = await Reader.GetProfileAsync();
        Assert.Equal((7, 1), (profile.ViewsLast5m, profile.BookingsLastHour));
        var stored = new GrainState<ProfileState>();
        await storage.ReadStateAsync("profile", grainId, stored);
        Assert.Equal(8, stored.State!.Version);
        Assert.Equal(6, stored.State.AppliedSourceOffsets[0]);
        await DeactivateAsync();
        Assert.Equal((7, 7), ((await Reader.GetProfileAsync()).ViewsLast5m, (await Reader.GetProfileAsync()).ViewersNow));
    }

    [Fact]
    public async Task A_conflict_while_applying_and_writing_drops_the_unwritten_events_and_asks_for_them_again()
    {
        var all = Enumerable.Range(0, 6).Select(i => events.View(Now, "u" + i)).ToArray();
        var first = await Writer.ApplyAndWriteAsync(new(all[..2]));
        Assert.True(first.Written);

        // Another activation writes 0-2 meanwhile; this one applies 2-3 unwritten, then 4-5 with a write: a conflict.
        var storage = fixture.SiloServices.GetRequiredKeyedService<IGrainStorage>(ProfilesStorage.Name);
        var other = new GrainState<ProfileState>();
        await storage.ReadStateAsync("profile", Writer.GetGrainId(), other);
        var otherActivity = new ProductActivity(other.State!, new ProfileOptions());
        otherActivity.Apply(all[2], Now);
        otherActivity.PackViewers();
        await storage.WriteStateAsync("profile", Writer.GetGrainId(), other);
        await Writer.ApplyAsync(new(all[2..4]));
        var last = await Writer.ApplyAndWriteAsync(new(all[4..]));

        // Not written; the barrier's flush names another activation, so the consumer reads 2-5 again.
        Assert.False(last.Written);
        Assert.Equal(first.Activation, last.Activation);
        var flushed = await Writer.FlushAsync();
        Assert.NotEqual(first.Activation, flushed);
        Assert.Equal(3, (await Reader.GetProfileAsync()).ViewsLast5m);
        var again = await Writer.ApplyAndWriteAsync(new(all[2..]));
        Assert.Equal((3, 1, true), (again.Applied, again.Duplicates, again.Written));
        var stored = new GrainState<ProfileState>();
        await storage.ReadStateAsync("profile", Writer.GetGrainId(), stored);
        Assert.Equal(6, stored.State!.Version);
        Assert.Equal((6, 6), ((await Reader.GetProfileAsync()).ViewsLast5m, (await Reader.GetProfileAsync()).ViewersNow));
    }

    [Fact]
    public async Task Changes_are_coalesced_to_one_per_second_with_the_trailing_one_after_it()
    {
        await Writer.ApplyAsync(new([events.Booking(Now, "Busan")]));
        var first = await ProfilesCluster.Changes.WaitForAsync(product, 1, Timeout);
        Assert.Equal(1, first[0].Version);
        Assert.Equal("Busan", Assert.Single(first[0].NewBookings).City);

        await Writer.ApplyAsync(new([events.Booking(Now, "Seoul")]));
        await Writer.ApplyAsync(new([events.View(Now), events.Booking(Now, "Jeju")]));
        // Within the second: held back (the grain answered, so it had its chance to emit).
        Assert.Single(ProfilesCluster.Changes.Of(product));

        // The interval passed: the held change waits for the next batch a little longer, then a timer emits it alone.
        ProfilesCluster.Clock.Advance(TimeSpan.FromSeconds(1));
        await Reader.GetProfileAsync();
        Assert.Single(ProfilesCluster.Changes.Of(product));
        ProfilesCluster.Clock.Advance(new ProfileOptions().TrailingChangeWait);
        var trailing = (await ProfilesCluster.Changes.WaitForAsync(product, 2, Timeout))[1];

        Assert.Equal(4, trailing.Version);
        Assert.Equal(["Seoul", "Jeju"], trailing.NewBookings.Select(b => b.City));
        Assert.Equal(3, trailing.Profile.BookingsLastHour);
        Assert.Equal(Now, trailing.EmittedAt);

        // A second later a change goes out at once.
        ProfilesCluster.Clock.Advance(TimeSpan.FromSeconds(1));
        await Writer.ApplyAsync(new([events.Wishlist(Now)]));
        var next = (await ProfilesCluster.Changes.WaitForAsync(product, 3, Timeout))[2];
        Assert.Equal(5, next.Version);
        Assert.Empty(next.NewBookings);
        Assert.Equal(1, next.Profile.WishlistsLast24h);
    }

    [Fact]
    public async Task A_write_stores_only_the_bookings_no_change_has_carried_yet()
    {
        await Writer.ApplyAsync(new([events.Booking(Now, "Busan")]));
        await ProfilesCluster.Changes.WaitForAsync(product, 1, Timeout);
        await Writer.ApplyAsync(new([events.Booking(Now, "Seoul")])); // held back: within the second
        await Writer.FlushAsync();

        var stored = new GrainState<ProfileState>();
        await fixture.SiloServices.GetRequiredKeyedService<IGrainStorage>(ProfilesStorage.Name).ReadStateAsync("profile", Writer.GetGrainId(), stored);

        Assert.Equal(1, stored.State!.EmittedVersion);
        Assert.Equal("Seoul", Assert.Single(stored.State.RecentBookings).City);
    }

    [Fact]
    public async Task Bookings_written_but_not_yet_in_a_change_go_out_when_the_profile_is_activated_again()
    {
        // As a silo that died after the barrier's write and before the held change left: the booking is stored above
        // the emitted version.
        var state = new ProfileState();
        var activity = new ProductActivity(state, new ProfileOptions());
        activity.Apply(events.Booking(Now, "Busan"), Now);
        activity.Apply(events.Booking(Now, "Jeju"), Now);
        state.EmittedVersion = 1;
        state.RecentBookings.RemoveAt(0);
        await fixture.SiloServices.GetRequiredKeyedService<IGrainStorage>(ProfilesStorage.Name)
            .WriteStateAsync("profile", Writer.GetGrainId(), new GrainState<ProfileState>(state));

        await Reader.GetProfileAsync();

        var change = Assert.Single(await ProfilesCluster.Changes.WaitForAsync(product, 1, Timeout));
        Assert.Equal(2, change.Version);
        Assert.Equal("Jeju", Assert.Single(change.NewBookings).City);
        Assert.Equal(2, change.Profile.BookingsLastHour);
    }

    [Fact]
    public async Task A_held_change_goes_out_with_the_first_batch_after_the_interval()
    {
        await Writer.ApplyAsync(new([events.Booking(Now, "Busan")]));
        await ProfilesCluster.Changes.WaitForAsync(product, 1, Timeout);
        await Writer.ApplyAsync(new([events.Booking(Now, "Seoul")]));
        Assert.Single(ProfilesCluster.Changes.Of(product));

        // A batch that changes nothing a widget shows (a view two hours old) still carries the held change out.
        ProfilesCluster.Clock.Advance(TimeSpan.FromSeconds(1));
        await Writer.ApplyAsync(new([events.View(Now.AddHours(-2))]));
        var changes = await ProfilesCluster.Changes.WaitForAsync(product, 2, Timeout);

        Assert.Equal(3, changes[1].Version);
        Assert.Equal("Seoul", Assert.Single(changes[1].NewBookings).City);
        Assert.Equal(Now, changes[1].EmittedAt);
        // Nothing was left pending for the timer: the next change is the next batch's, at once.
        ProfilesCluster.Clock.Advance(TimeSpan.FromSeconds(2));
        await Writer.ApplyAsync(new([events.Wishlist(Now)]));
        Assert.Equal([1L, 3L, 4L], (await ProfilesCluster.Changes.WaitForAsync(product, 3, Timeout)).Select(c => c.Version));
    }

    [Fact]
    public async Task Duplicates_and_changes_no_widget_shows_emit_nothing()
    {
        var booking = events.Booking(Now);
        await Writer.ApplyAsync(new([booking]));
        await ProfilesCluster.Changes.WaitForAsync(product, 1, Timeout);
        ProfilesCluster.Clock.Advance(TimeSpan.FromSeconds(2));

        await Writer.ApplyAsync(new([booking, events.View(Now.AddHours(-2))]));
        ProfilesCluster.Clock.Advance(TimeSpan.FromSeconds(2));
        // A change that is emitted proves the grain had its turn: only then is the absence of others meaningful.
        await Writer.ApplyAsync(new([events.Wishlist(Now)]));
        var changes = await ProfilesCluster.Changes.WaitForAsync(product, 2, Timeout);

        Assert.Equal(2, changes.Count);
        Assert.Equal(3, changes[1].Version);
    }

    private async Task DeactivateAsync()
    {
        var management = fixture.Cluster.GrainFactory.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);
    }
}
