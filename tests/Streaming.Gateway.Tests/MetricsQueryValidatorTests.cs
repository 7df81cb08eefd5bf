using Microsoft.Extensions.Options;
using Streaming.Gateway.Metrics;

namespace Streaming.Gateway.Tests;

public sealed class MetricsQueryValidatorTests
{
    private const string From = "2026-11-21T10:00:00Z";
    private const string To = "2026-11-21T11:00:00Z";
    private static readonly IOptions<GatewayOptions> Options =
        Microsoft.Extensions.Options.Options.Create(new GatewayOptions { MaxRange = TimeSpan.FromDays(7), MaxTopN = 1000 });

    private readonly ConcurrentUsersQueryValidator users = new(Options);
    private readonly BookingsQueryValidator bookings = new(Options);
    private readonly PopularityTopQueryValidator popularity = new(Options);

    private string[] Failing(ConcurrentUsersQuery q) => [.. users.Validate(q).Errors.Select(e => e.PropertyName).Distinct().Order()];

    private string[] Failing(BookingsQuery q) => [.. bookings.Validate(q).Errors.Select(e => e.PropertyName).Distinct().Order()];

    private string[] Failing(PopularityTopQuery q) => [.. popularity.Validate(q).Errors.Select(e => e.PropertyName).Distinct().Order()];

    [Fact]
    public void Plain_ranges_are_valid_everywhere()
    {
        Assert.Empty(Failing(new ConcurrentUsersQuery(From, To, null, null)));
        Assert.Empty(Failing(new BookingsQuery(From, To)));
        Assert.Empty(Failing(new PopularityTopQuery(From, To)));
    }

    [Theory]
    [InlineData(null, To, "from")]
    [InlineData("", To, "from")]
    [InlineData("yesterday", To, "from")]
    [InlineData("2026-11-21T10:00:00", To, "from")]
    [InlineData(From, null, "to")]
    [InlineData(From, "2026-11-21T11:00:00", "to")]
    [InlineData(From, From, "to")]
    [InlineData(To, From, "to")]
    [InlineData("2026-11-01T10:00:00Z", "2026-11-08T10:00:01Z", "to")]
    public void Bad_ranges_name_the_parameter_on_every_endpoint(string? from, string? to, string field)
    {
        Assert.Equal([field], Failing(new ConcurrentUsersQuery(from, to, null, null)));
        Assert.Equal([field], Failing(new BookingsQuery(from, to)));
        Assert.Equal([field], Failing(new PopularityTopQuery(from, to)));
    }

    [Fact]
    public void A_range_of_exactly_the_maximum_and_offsets_other_than_Z_are_accepted()
    {
        Assert.Empty(Failing(new BookingsQuery("2026-11-01T10:00:00Z", "2026-11-08T10:00:00Z")));
        Assert.Empty(Failing(new BookingsQuery("2026-11-21T19:00:00+09:00", "2026-11-21T11:00:00Z")));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("all", null)]
    [InlineData("platform", null)]
    [InlineData("platform", "ios")]
    [InlineData("country", "KR")]
    public void Concurrent_users_take_the_known_dimensions(string? dimension, string? value) =>
        Assert.Empty(Failing(new ConcurrentUsersQuery(From, To, dimension, value)));

    [Theory]
    [InlineData("device", null, "dimension")]
    [InlineData("Platform", null, "dimension")]
    [InlineData("product", null, "dimension")]
    [InlineData(null, "ios", "value")]
    [InlineData("all", "ios", "value")]
    public void Concurrent_users_refuse_other_dimensions_and_a_value_for_all(string? dimension, string? value, string field) =>
        Assert.Equal([field], Failing(new ConcurrentUsersQuery(From, To, dimension, value)));

    [Fact]
    public void Values_are_at_most_64_characters()
    {
        Assert.Empty(Failing(new ConcurrentUsersQuery(From, To, "country", new string('a', 64))));
        Assert.Equal(["value"], Failing(new ConcurrentUsersQuery(From, To, "country", new string('a', 65))));
        Assert.Equal(["value"], Failing(new BookingsQuery(From, To, "city", new string('a', 65))));
        Assert.Equal(["product_id"], Failing(new BookingsQuery(From, To, ProductId: new string('a', 65))));
    }

    [Theory]
    [InlineData(null, null, null)]
    [InlineData("product", "tour-1", null)]
    [InlineData("category", "tour", null)]
    [InlineData("city", "Seoul", null)]
    [InlineData(null, null, "tour-1")]
    [InlineData("product", null, "tour-1")]
    public void Bookings_take_product_category_or_city_and_product_id_as_shorthand(string? dimension, string? value, string? productId) =>
        Assert.Empty(Failing(new BookingsQuery(From, To, dimension, value, productId)));

    [Theory]
    [InlineData("country", null, null, "dimension")]
    [InlineData("all", null, null, "dimension")]
    [InlineData("city", null, "tour-1", "product_id")]
    [InlineData(null, "tour-2", "tour-1", "product_id")]
    public void Bookings_refuse_other_dimensions_and_conflicting_filters(string? dimension, string? value, string? productId, string field) =>
        Assert.Equal([field], Failing(new BookingsQuery(From, To, dimension, value, productId)));

    [Fact]
    public void Product_id_filters_like_dimension_product_with_that_value()
    {
        var query = new BookingsQuery(From, To, ProductId: "tour-1");
        Assert.Equal("product", query.DimensionOrDefault);
        Assert.Equal("tour-1", query.ValueOrProductId);
        Assert.Null(new BookingsQuery(From, To, "city").ValueOrProductId);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("100")]
    [InlineData("1000")]
    public void N_may_be_1_to_the_maximum(string n) => Assert.Empty(Failing(new PopularityTopQuery(From, To, n)));

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    [InlineData("-5")]
    [InlineData("+5")]
    [InlineData("ten")]
    [InlineData("2.5")]
    [InlineData("99999999999")]
    public void Other_ns_are_refused(string n) => Assert.Equal(["n"], Failing(new PopularityTopQuery(From, To, n)));

    [Fact]
    public void Per_minute_is_true_or_false()
    {
        Assert.Empty(Failing(new PopularityTopQuery(From, To, PerMinute: "true")));
        Assert.True(new PopularityTopQuery(From, To, PerMinute: "true").IsPerMinute);
        Assert.False(new PopularityTopQuery(From, To, PerMinute: "false").IsPerMinute);
        Assert.False(new PopularityTopQuery(From, To).IsPerMinute);
        Assert.Equal(["per_minute"], Failing(new PopularityTopQuery(From, To, PerMinute: "yes")));
    }

    [Fact]
    public void N_defaults_to_the_configured_default() =>
        Assert.Equal(100, new PopularityTopQuery(From, To).NOrDefault(100));
}
