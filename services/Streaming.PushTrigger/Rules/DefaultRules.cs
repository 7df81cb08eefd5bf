namespace Streaming.PushTrigger.Rules;

/// <summary>The rules used when the configuration declares none: one of each kind with the defaults.</summary>
public static class DefaultRules
{
    public static IEnumerable<PushRuleOptions> Create() =>
    [
        new()
        {
            Id = "wishlist-selling-fast",
            Kind = "wishlist_selling_fast",
            Title = "Selling fast: {product_id}",
            Body = "{bookings_last_hour} people booked a tour on your wishlist in the last hour.",
        },
        new()
        {
            Id = "viewed-not-booked",
            Kind = "viewed_not_booked",
            Title = "Still thinking about {product_id}?",
            Body = "You looked at it {views} times. It is still available.",
        },
        new()
        {
            Id = "trending-in-city",
            Kind = "trending_in_city",
            Title = "Trending in {city}",
            Body = "{product_id} is getting popular in {city} right now.",
        },
    ];
}
