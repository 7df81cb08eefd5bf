namespace Streaming.Metrics.Popularity;

/// <summary>What one product collected in one window.</summary>
internal sealed class PopularityCounts
{
    public long Views { get; set; }

    public long Wishlists { get; set; }

    public long Bookings { get; set; }

    public PopularityCounts Copy() => new() { Views = Views, Wishlists = Wishlists, Bookings = Bookings };
}
