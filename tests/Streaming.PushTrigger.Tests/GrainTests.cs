using Orleans.Concurrency;
using Streaming.Profiles.Contracts;
using Streaming.Push.Contracts;
using Streaming.PushTrigger.Audiences;
using Streaming.PushTrigger.Users;

namespace Streaming.PushTrigger.Tests;

[Collection(PushClusterCollection.Name)]
public sealed class GrainTests(PushCluster fixture)
{
    private readonly string id = Guid.NewGuid().ToString("N")[..8];
    private long offset;

    private static DateTimeOffset Now => PushCluster.Clock.GetUtcNow();

    private IUserPushGrain User(string name) => fixture.Cluster.GrainFactory.GetGrain<IUserPushGrain>($"{name}-{id}");

    private IProductAudienceGrain Product(string name) => fixture.Cluster.GrainFactory.GetGrain<IProductAudienceGrain>($"{name}-{id}");

    private string UserId(string name) => $"{name}-{id}";

    private string ProductId(string name) => $"{name}-{id}";

    /// <summary>Feeds one event to the user's grain and to the product's and city's audiences, as the events consumer does.</summary>
    private async Task Feed(string user, UserEventKind kind, string product, DateTimeOffset at, string city = "Busan")
    {
        var o = offset++;
        city = $"{city}-{id}"; // a city of this test's own
        await User(user).ApplyAsync(new([new UserEvent(kind, ProductId(product), at, city, 0, o)]));
        var audience = new AudienceEvent(kind, UserId(user), at, city, 0, o);
        await Product(product).ApplyAsync(new([audience]));
        await fixture.Cluster.GrainFactory.GetGrain<ICityAudienceGrain>(city.ToLowerInvariant()).ApplyAsync(new([audience]));
    }

    private Task Change(string product, long version, long bookingsLastHour = 0, string trend = ProfileTrends.Steady) =>
        Product(product).OnProfileChangesAsync(new([new ProfileVersion(
            ProductProfile.Empty(ProductId(product)) with { BookingsLastHour = bookingsLastHour, Trend = trend, AsOf = Now }, version)]));

    [Fact]
    public async Task Wishlist_selling_fast_pushes_the_wishlisters_who_have_not_booked_once_and_a_replay_decides_nothing()
    {
        await Feed("ann", UserEventKind.Wishlist, "tour", Now.AddDays(-3));
        await Feed("bob", UserEventKind.Wishlist, "tour", Now.AddDays(-1));
        await Feed("bob", UserEventKind.Booking, "tour", Now.AddHours(-1));
        await Feed("cid", UserEventKind.Wishlist, "other", Now.AddDays(-1));

        await Change("tour", 1, bookingsLastHour: 4);
        Assert.Empty(PushCluster.Decisions.Of(UserId("ann")));
        await Change("tour", 2, bookingsLastHour: 5);
        await Change("tour", 2, bookingsLastHour: 5); // a replay of the same version
        await Change("tour", 3, bookingsLastHour: 6); // already over: no new crossing

        var decision = Assert.Single(PushCluster.Decisions.Of(UserId("ann")));
        Assert.Equal(PushOutcomes.Sent, decision.Outcome);
        Assert.Equal("wishlist-selling-fast", decision.Rule);
        Assert.Equal(ProductId("tour"), decision.ProductId);
        Assert.Empty(PushCluster.Decisions.Of(UserId("bob")));
        Assert.Empty(PushCluster.Decisions.Of(UserId("cid")));
        await Product("tour").FlushAsync();
    }

    [Fact]
    public async Task A_written_decision_survives_deactivation_so_the_same_trigger_after_a_crash_decides_nothing()
    {
        await Feed("ann", UserEventKind.Wishlist, "tour", Now.AddDays(-3));
        await Product("tour").FlushAsync();
        await User("ann").FlushAsync();
        await Change("tour", 1, bookingsLastHour: 5);
        await Product("tour").FlushAsync(); // flushes ann's decision first, then the version

        await fixture.DeactivateAllAsync();
        // profile-changes read again from before version 1 (its offset was not committed): nothing new is decided,
        // neither by the product (version seen) nor by the user (push id decided) when asked directly.
        await Change("tour", 1, bookingsLastHour: 5);
        var first = Assert.Single(PushCluster.Decisions.Of(UserId("ann")));
        var trigger = new PushTrigger.Rules.RuleTrigger("wishlist-selling-fast", ProductId("tour"), "Busan", PushTrigger.Rules.RuleKinds.HourOf(
            ProductProfile.Empty(ProductId("tour")) with { AsOf = first.DecidedAt }, Now), new Dictionary<string, string>());
        await User("ann").ConsiderAsync(trigger);

        // Asked again, the user publishes the stored decision again (its first publication may have been lost) and decides nothing new.
        var published = PushCluster.Decisions.Of(UserId("ann"));
        Assert.Equal(2, published.Count);
        Assert.Equal(first, Assert.Single(published.Distinct()));
    }

    [Fact]
    public async Task Events_replayed_after_a_deactivation_are_not_applied_twice()
    {
        var views = Enumerable.Range(0, 2).Select(i => new UserEvent(UserEventKind.View, ProductId("p"), Now.AddMinutes(-40 + i), "Busan", 3, i)).ToArray();
        await User("ann").ApplyAsync(new(views));
        await User("ann").FlushAsync();
        await fixture.DeactivateAllAsync();

        // The two views again (a replay) and nothing else: still two views, so viewed_not_booked (3) stays quiet.
        await User("ann").ApplyAsync(new(views));
        await User("ann").CheckDueAsync();

        Assert.Empty(PushCluster.Decisions.Of(UserId("ann")));
    }

    [Fact]
    public async Task Viewed_not_booked_decides_when_its_delayed_check_is_due_and_only_once()
    {
        await Feed("ann", UserEventKind.View, "p", Now.AddHours(-3));
        await Feed("ann", UserEventKind.View, "p", Now.AddHours(-2));
        await Feed("ann", UserEventKind.View, "p", Now.AddMinutes(-1));
        await User("ann").CheckDueAsync();
        Assert.Empty(PushCluster.Decisions.Of(UserId("ann")));

        PushCluster.Clock.Advance(TimeSpan.FromMinutes(30));
        await User("ann").CheckDueAsync();
        await User("ann").CheckDueAsync();

        // The second check finds the decision stored and publishes it again, unchanged.
        var decision = Assert.Single(PushCluster.Decisions.Of(UserId("ann")).Distinct());
        Assert.Equal("viewed-not-booked", decision.Rule);
        Assert.Equal("You looked at it 3 times. It is still available.", decision.Body);
    }

    [Fact]
    public async Task Trending_in_city_pushes_the_users_active_in_the_products_city()
    {
        await Feed("ann", UserEventKind.View, "elsewhere", Now.AddDays(-2), city: "Busan");
        await Feed("bob", UserEventKind.View, "elsewhere", Now.AddDays(-2), city: "Seoul");
        await Feed("cid", UserEventKind.View, "hot", Now.AddDays(-1), city: "Busan");
        await Feed("cid", UserEventKind.Booking, "hot", Now.AddHours(-1), city: "Busan");

        await Change("hot", 1, trend: ProfileTrends.Steady);
        await Change("hot", 2, trend: ProfileTrends.Rising);

        var decision = Assert.Single(PushCluster.Decisions.Of(UserId("ann")));
        Assert.Equal("trending-in-city", decision.Rule);
        Assert.Equal($"Trending in Busan-{id}", decision.Title);
        Assert.Empty(PushCluster.Decisions.Of(UserId("bob")));
        Assert.Empty(PushCluster.Decisions.Of(UserId("cid")));
    }

    [Fact]
    public async Task A_forged_city_on_the_events_topic_suppresses_the_trending_push_instead_of_showing_it()
    {
        // Records can reach the events topic without ingest's validation: the trigger checks what it shows itself.
        const string forged = "<a href=https://evil.example>Busan</a>\u202E";
        await Feed("ann", UserEventKind.View, "elsewhere", Now.AddDays(-2), city: forged);
        await Feed("owner", UserEventKind.View, "hot", Now.AddDays(-1), city: forged);

        await Change("hot", 1, trend: ProfileTrends.Steady);
        await Change("hot", 2, trend: ProfileTrends.Rising);

        var decision = Assert.Single(PushCluster.Decisions.Of(UserId("ann")));
        Assert.Equal(PushOutcomes.Suppressed, decision.Outcome);
        Assert.Equal("unsafe placeholder value: {city} must not contain U+202E (a bidirectional control)", decision.Reason);
        Assert.Equal("", decision.Title);
        Assert.Equal("", decision.Body);
    }

    [Fact]
    public async Task Trending_in_city_decides_once_per_user_when_several_products_of_the_city_rise_within_the_hour()
    {
        await Feed("dee", UserEventKind.View, "elsewhere", Now.AddDays(-2), city: "Jeju");
        await Feed("eve", UserEventKind.View, "other", Now.AddDays(-3), city: "Jeju");

        foreach (var product in new[] { "rise1", "rise2", "rise3" })
        {
            await Feed("owner", UserEventKind.View, product, Now.AddDays(-1), city: "Jeju"); // gives the product its city
            await Change(product, 1, trend: ProfileTrends.Steady);
            await Change(product, 2, trend: ProfileTrends.Rising);
        }

        Assert.Equal(ProductId("rise1"), Assert.Single(PushCluster.Decisions.Of(UserId("dee"))).ProductId);
        Assert.Equal(ProductId("rise1"), Assert.Single(PushCluster.Decisions.Of(UserId("eve"))).ProductId);
    }
}
